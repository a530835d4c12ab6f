// --containers SELECTOR: a name (or id prefix), ~regex, label=value; repeated = any of them.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { matchesSelector, parseSelector, parseSelectors, selectContainers, SelectorError } from '../../src/model/container-selector.js';

const C = [
  { id: 'a1b2c3d4e5f6'.padEnd(64, '0'), name: '/shop-web-1', labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web', tier: '' } },
  { id: 'ffee00112233'.padEnd(64, '9'), name: 'shop-db-1', labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'db' } },
  { id: '0123456789ab'.padEnd(64, '1'), name: 'Grafana', labels: { 'com.docker.compose.project': 'monitoring' } },
  { id: 'deadbeef0000'.padEnd(64, '2'), name: 'web', labels: {} },
];
const names = (sel: string[]): string[] => selectContainers(C, parseSelectors(sel)).map((c) => c.name);

describe('container selectors', () => {
  it('a name matches exactly (Docker\'s leading "/" ignored), not as a substring', () => {
    expect(names(['web'])).toEqual(['web']);
    expect(names(['shop-web-1'])).toEqual(['/shop-web-1']);
    expect(names(['/shop-web-1'])).toEqual(['/shop-web-1']);
    expect(names(['shop'])).toEqual([]);
  });

  it('an id prefix of 4 or more hex digits matches the id', () => {
    expect(names(['a1b2'])).toEqual(['/shop-web-1']);
    expect(names(['FFEE0011'])).toEqual(['shop-db-1']);
    expect(names(['a1b'])).toEqual([]); // too short to be an id
    expect(names(['deadbeef0000'])).toEqual(['web']);
  });

  it('~regex searches the name, case-insensitive', () => {
    expect(names(['~^shop-'])).toEqual(['/shop-web-1', 'shop-db-1']);
    expect(names(['~GRAF'])).toEqual(['Grafana']);
    expect(names(['~-1$'])).toEqual(['/shop-web-1', 'shop-db-1']);
    expect(names(['~^/'])).toEqual([]); // matched against the name without Docker's slash
  });

  it('label=value matches the value exactly; label= matches an empty value', () => {
    expect(names(['com.docker.compose.project=shop'])).toEqual(['/shop-web-1', 'shop-db-1']);
    expect(names(['com.docker.compose.service=db'])).toEqual(['shop-db-1']);
    expect(names(['com.docker.compose.project=sho'])).toEqual([]);
    expect(names(['tier='])).toEqual(['/shop-web-1']);
    expect(names(['a=b=c'])).toEqual([]);
    expect(parseSelector('a=b=c')).toMatchObject({ kind: 'label', key: 'a', value: 'b=c' });
  });

  it('only own labels count: __proto__, toString, constructor are no labels', () => {
    for (const key of ['__proto__', 'toString', 'constructor', 'hasOwnProperty']) {
      expect(names([`${key}=`])).toEqual([]);
      expect(names([`${key}=[object Object]`])).toEqual([]);
    }
    const odd = [{ id: 'x', name: 'x', labels: JSON.parse('{"__proto__":"p"}') as Record<string, string> }];
    expect(selectContainers(odd, parseSelectors(['__proto__=p']))).toHaveLength(1);
  });

  it('repeated selectors: a container matching any of them is kept, in the input order', () => {
    expect(names(['web', 'com.docker.compose.project=monitoring', '~db'])).toEqual(['shop-db-1', 'Grafana', 'web']);
  });

  it('no selector keeps everything', () => {
    expect(names([])).toEqual(C.map((c) => c.name));
  });

  it('bad selectors: one line naming the flag and the selector', () => {
    const err = (s: string): string => {
      try {
        parseSelector(s);
      } catch (e) {
        expect(e).toBeInstanceOf(SelectorError);
        expect((e as Error).message).not.toMatch(/\n/);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(err('')).toBe('--containers: empty selector (use a name, ~regex or label=value)');
    expect(err('  ')).toMatch(/^--containers: empty selector/);
    expect(err('~')).toBe('--containers "~": empty regex after ~');
    expect(err('~(')).toMatch(/^--containers "~\(": invalid regex: /);
    expect(err('=x')).toBe('--containers "=x": a label selector needs a label name before "="');
    expect(err(`~${'('.repeat(200)}`)).toMatch(/^--containers "~\({78}…": invalid regex/);
  });

  it('a regex is compiled by the matcher given (so a linear-time one can replace RegExp)', () => {
    const seen: string[] = [];
    const sel = parseSelector('~x', (src) => (s) => (seen.push(`${src}:${s}`), true));
    expect(matchesSelector({ id: '0', name: '/n1', labels: {} }, sel)).toBe(true);
    expect(seen).toEqual(['x:n1']);
  });

  it('property: the selected containers are exactly those matching some selector', () => {
    const container = fc.record({
      id: fc.stringMatching(/^[0-9a-f]{64}$/),
      name: fc.stringMatching(/^[a-z][a-z0-9_.-]{0,12}$/),
      labels: fc.dictionary(fc.constantFrom('a', 'b', 'team'), fc.constantFrom('', 'x', 'y')),
    });
    const selector = fc.oneof(fc.constantFrom('a=x', 'b=', 'team=y', '~^a', '~[0-9]$', 'web'), fc.stringMatching(/^[a-z]{1,3}$/));
    fc.assert(
      fc.property(fc.array(container, { maxLength: 12 }), fc.array(selector, { maxLength: 4 }), (cs, sels) => {
        const parsed = parseSelectors(sels);
        const got = selectContainers(cs, parsed);
        const want = sels.length === 0 ? cs : cs.filter((c) => parsed.some((p) => matchesSelector(c, p)));
        expect(got).toEqual(want);
        for (const c of got) expect(sels.length === 0 || parsed.some((p) => matchesSelector(c, p))).toBe(true);
      }),
    );
  });
});
