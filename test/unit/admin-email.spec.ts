import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { isAdminEmail } from '../../src/auth/admin-email.js';
import { AdminSignInDto } from '../../src/auth/admin-session.dto.js';

const dtoAccepts = (email: string) => validateSync(plainToInstance(AdminSignInDto, { email, password: 'x' })).length === 0;

describe('the admin address rule shared by sign-in and admin:create', () => {
  const valid = ['admin@localhost', 'ops@example.com', 'first.last+tag@sub.example.co', 'A@B', "o'brien@host-1.internal"];
  const invalid = [
    '',
    'admin',
    '@localhost',
    'admin@',
    'a b@localhost',
    'admin@local_host',
    'admin@-host',
    'a..b@host',
    '.a@host',
    'a@host.',
    `${'x'.repeat(65)}@host`,
    `a@${'h'.repeat(64)}`,
    'a@b@c',
    'a\n@host',
  ];

  it.each(valid)('accepts %p at sign-in and in admin:create', (email) => {
    expect(isAdminEmail(email)).toBe(true);
    expect(dtoAccepts(email)).toBe(true);
  });

  it.each(invalid)('refuses %p at sign-in and in admin:create', (email) => {
    expect(isAdminEmail(email)).toBe(false);
    expect(dtoAccepts(email)).toBe(false);
  });
});
