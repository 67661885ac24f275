/* global module */
// @fastify/static (CommonJS) requires content-disposition 3, which is ESM-only: Node 20 loads it,
// but Jest's module system cannot require ESM. It is only used by reply.download(), which the
// service never calls, so tests get this stand-in (jest.config.mjs, moduleNameMapper).
module.exports = {
  create: () => {
    throw new Error('content-disposition is not available under Jest');
  },
};
