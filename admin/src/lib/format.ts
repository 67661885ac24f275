// Human times for operators: "in 3 h", "2 min ago", with the exact time in a tooltip.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function amount(ms: number): string {
  // Rounded first, then the unit chosen, so 59.6 minutes reads "1 h", never "60 min".
  const abs = Math.abs(ms);
  const seconds = Math.round(abs / 1000);
  if (seconds < 60) return `${Math.max(1, seconds)} s`;
  const minutes = Math.round(abs / MINUTE);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(abs / HOUR);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(abs / DAY)} d`;
}

/** "in 3 h" / "2 min ago" / "just now". */
export function relative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const diff = new Date(iso).getTime() - now;
  if (Math.abs(diff) < 10_000) return 'just now';
  return diff > 0 ? `in ${amount(diff)}` : `${amount(diff)} ago`;
}

/** "expires in 3 h" / "expired 5 min ago" / "no expiry". */
export function expiry(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'no expiry';
  const diff = new Date(iso).getTime() - now;
  return diff > 0 ? `expires in ${amount(diff)}` : `expired ${amount(diff)} ago`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function absolute(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '';
}

export function hourLabel(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export const number = new Intl.NumberFormat();

export function pluralize(n: number, one: string, many = `${one}s`): string {
  return `${number.format(n)} ${n === 1 ? one : many}`;
}
