import { readFileSync } from 'node:fs';

export const repo = new URL('../../../', import.meta.url);
export const readJSON = (path) => JSON.parse(readFileSync(new URL(path, repo)));
export const vectors = readJSON('testdata/vectors.json');
export const caseNamed = (name) => {
  const c = vectors.cases.find((c) => c.name === name);
  if (!c) throw new Error(`no vector case ${name}`);
  return c;
};
export const expectOf = (c) => ({ audience: c.audience, nonce: c.nonce, now: c.now });
