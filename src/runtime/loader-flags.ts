/**
 * The parent's flags that make modules load the same way in the child (tsx's --import/--require hooks), and
 * none of the others (a forked worker must not inherit --test, --inspect and the like).
 */
export function loaderFlags(execArgv: readonly string[]): string[] {
  const withValue = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C']);
  const standalone = new Set(['--enable-source-maps', '--no-warnings', '--experimental-specifier-resolution=node']);
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i] as string;
    const name = flag.includes('=') ? flag.slice(0, flag.indexOf('=')) : flag;
    if (withValue.has(name)) {
      if (flag.includes('=')) out.push(flag);
      else if (i + 1 < execArgv.length) out.push(flag, execArgv[++i] as string);
    } else if (standalone.has(flag)) {
      out.push(flag);
    }
  }
  return out;
}
