/** Bound parameters of one statement: `p(value)` appends and returns `$n`. */
export function sqlParams(initial: unknown[] = []): { params: unknown[]; p: (value: unknown) => string } {
  const params = [...initial];
  return { params, p: (value: unknown) => `$${params.push(value)}` };
}
