/**
 * Base64 as the PHC-style hash strings use it. Kratos decodes them with Go's strict decoders, so a string that Go
 * would refuse (stray characters, wrong padding) is refused here too instead of being read leniently by Buffer.
 */
const RAW_STD = /^[A-Za-z0-9+/]*$/;
const PADDED_STD = /^[A-Za-z0-9+/]*={0,2}$/;

/** Unpadded standard base64 (Go's base64.RawStdEncoding.Strict()); null when malformed. */
export function decodeRawStdBase64(text: string): Buffer | null {
  if (!RAW_STD.test(text) || text.length % 4 === 1) return null;
  return Buffer.from(text, 'base64');
}

/** Padded standard base64 (Go's base64.StdEncoding.Strict()); null when malformed. */
export function decodePaddedStdBase64(text: string): Buffer | null {
  if (!PADDED_STD.test(text) || text.length % 4 !== 0) return null;
  return Buffer.from(text, 'base64');
}
