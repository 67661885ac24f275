import { AjvCompiler } from '@fastify/ajv-compiler';
import fc from 'fast-check';
import { PlatformParamDto } from '../../src/connections/connections.dto.js';
import { AJV_OPTIONS, createValidationPipe } from '../../src/common/validation.js';
import { INTERNAL_TOKEN_SCHEMA, InternalTokenRequestDto } from '../../src/internal/internal.dto.js';

// Fastify's own validator compiler, with the app's options.
const compile = AjvCompiler()({}, { customOptions: AJV_OPTIONS });
const validator = (httpPart: 'body' | 'params') =>
  compile({ schema: INTERNAL_TOKEN_SCHEMA[httpPart], method: 'POST', url: '/social/:platform/internal-token', httpPart }) as (value: unknown) => boolean;
const pipe = createValidationPipe();
const classValidator = (value: unknown, metatype: typeof InternalTokenRequestDto | typeof PlatformParamDto) =>
  pipe.transform(structuredClone(value), { type: 'body', metatype }).then(
    (dto: object) => ({ ok: true as const, dto: { ...dto } }),
    () => ({ ok: false as const }),
  );

// Anything a client can send as a JSON body, weighted towards almost-valid ones.
const userIds = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 260 }),
  fc.string({ minLength: 250, maxLength: 260 }),
  fc.constantFrom('', ' ', 'u1', '\u00fc', 'a\ufe0f', '\ud83d\ude00'),
  fc.integer(),
  fc.constant(null),
);
const bodies = fc.oneof(
  fc.record({ userId: userIds }),
  fc.record({ userId: userIds, extra: fc.jsonValue() }, { requiredKeys: ['userId'] }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 3 }),
  fc.jsonValue(),
);

describe('the internal-token route schema', () => {
  it('accepts only bodies the DTO accepts, and they mean the same', async () => {
    const validate = validator('body');
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        if (!validate(structuredClone(body))) return;
        accepted++;
        expect(await classValidator(body, InternalTokenRequestDto)).toEqual({ ok: true, dto: body });
      }),
      { numRuns: 1500 },
    );
    expect(accepted).toBeGreaterThan(100); // the property was exercised, not vacuous
  });

  it('accepts only platform params the DTO accepts', async () => {
    const validate = validator('params');
    const platforms = fc.oneof(fc.string({ maxLength: 70 }), fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,70}$/), fc.constantFrom('tiktok', 'Alpha', 'a!', ''));
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(platforms, async (platform) => {
        if (!validate({ platform })) return;
        accepted++;
        expect(await classValidator({ platform }, PlatformParamDto)).toEqual({ ok: true, dto: { platform } });
      }),
      { numRuns: 800 },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  it('leaves to class-validator what it refuses, including ids class-validator still accepts', async () => {
    const validate = validator('body');
    for (const body of [{ userId: '\u00fc-ser \u2603' }, { userId: 'x'.repeat(255) + '\ufe0f' }]) {
      expect(validate(body)).toBe(false);
      expect(await classValidator(body, InternalTokenRequestDto)).toEqual({ ok: true, dto: body });
    }
    for (const body of [{ userId: 'u1', admin: true }, { userId: 42 }, { userId: '' }, {}]) expect(validate(body)).toBe(false);
  });
});
