import { translateDatabaseError } from './database-errors.js';

/**
 * Wraps an object so that whatever its methods throw or reject with passes through translateDatabaseError once,
 * at the store's boundary. Every Store method, including ones added later, gets the same treatment without a
 * try/catch of its own.
 */
export function withTranslatedErrors<T extends object>(target: T): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        try {
          const result: unknown = value.apply(object, args);
          return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(translateDatabaseError(error))) : result;
        } catch (error) {
          throw translateDatabaseError(error);
        }
      };
    },
  });
}
