import { ValidateBy } from 'class-validator';

/**
 * The one rule for admin addresses, used by the sign-in DTO and by `admin:create`: an
 * RFC 5322 dot-atom local part (at most 64 characters) and a host name that need not have a
 * TLD, so the development account `admin@localhost` is valid everywhere.
 */
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const ATOM = "[a-z0-9!#$%&'*+/=?^_`{|}~-]+";
const PATTERN = new RegExp(`^${ATOM}(?:\\.${ATOM})*@${LABEL}(?:\\.${LABEL})*$`);
export const ADMIN_EMAIL_MAX_LENGTH = 320;
export const ADMIN_EMAIL_MESSAGE = 'email must be an address such as ops@example.com or admin@localhost';

/** Trimmed and lower-cased: how addresses are stored and compared. */
export function normalizeAdminEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isAdminEmail(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const email = normalizeAdminEmail(value);
  const at = email.lastIndexOf('@');
  return email.length <= ADMIN_EMAIL_MAX_LENGTH && at > 0 && at <= 64 && PATTERN.test(email);
}

/** class-validator form of the same rule. */
export const IsAdminEmail = () => ValidateBy({ name: 'isAdminEmail', validator: { validate: isAdminEmail, defaultMessage: () => ADMIN_EMAIL_MESSAGE } });
