const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The canonical 8-4-4-4-12 hex form, in either case; every id Tessera makes or stores has it. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** The all-zero UUID, which Kratos's paginators use as "from the start". */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';
