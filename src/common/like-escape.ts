/** Escapes LIKE/ILIKE wildcards (and the escape character) so user input matches literally. */
export function likeEscape(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
