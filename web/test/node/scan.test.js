// Subject transparency in the web core (docs/spec/subject-transparency.md):
// the synchronous SHA-256 and the streaming tree hasher, log entries (log.md
// §2) and bundles, X25519 through WebCrypto, subject lines against an
// independent issuer (node:crypto), the secret and key texts, and the
// resident's scan (§5) — against a real log the Swift CLI made
// (web/test/fixtures/subject-log, from web/test/support/make-subject-log.sh,
// with `akashi subject scan --json`'s answers beside it) and against logs
// built here (several bundles, a partial one served only as its full bundle,
// tampering of every kind).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, randomBytes } from 'node:crypto';
import { sha256Sync, leafHashSync } from '../../js/core/sha256.js';
import { StreamingTreeHasher, ScanError, originHash, scanLog } from '../../js/core/scan.js';
import {
  certificateEntry, encodeEntry, encodeEntryBundle, encodeTileIndex, entriesPath, parseEntry, parseEntryBundle, tilePath,
} from '../../js/core/entry.js';
import {
  KEY_PREFIX, SECRET_PREFIX, importScalar, keyText, openLine, parseKeyText, parseSecretText, publicKeyOf, secretText, subjectLines, x25519,
} from '../../js/core/subject.js';
import { parseTrust } from '../../js/core/trust.js';
import { verifyText } from '../../js/core/verify.js';
import { serialText } from '../../js/core/claims.js';
import {
  BASE_POINT, E, ORIGIN, b64, b64u, bytesOf, ed, ed25519, issue, makeWorld, resident, shippedKind, subjectLinesOf, toHex, x25519 as nodeX25519,
} from '../support/issuer.js';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = join(here, '../fixtures/subject-log');
const te = new TextEncoder();
const nodeSHA = (...parts) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest());

// MARK: hashing

test('sha256Sync equals SHA-256 for every length 0 … 300, split in two parts, and for 100 kB', () => {
  for (let n = 0; n <= 300; n++) {
    const b = new Uint8Array(randomBytes(n));
    assert.equal(toHex(sha256Sync(b.subarray(0, n >> 1), b.subarray(n >> 1))), toHex(nodeSHA(b)), `length ${n}`);
  }
  const big = new Uint8Array(randomBytes(100000));
  assert.equal(toHex(sha256Sync(big)), toHex(nodeSHA(big)));
  assert.equal(toHex(sha256Sync()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

/** MTH by the RFC 9162 recursion, for comparison. */
function mth(leaves) {
  if (leaves.length === 0) return nodeSHA([]);
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeSHA([1], mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

test('StreamingTreeHasher: the RFC 9162 root for every size 0 … 300, keeping at most log2(n) + 1 hashes', () => {
  const leaves = Array.from({ length: 300 }, (_, i) => nodeSHA([0], te.encode(`entry ${i}`)));
  const hasher = new StreamingTreeHasher();
  assert.equal(toHex(hasher.rootHash), toHex(mth([])));
  for (let n = 1; n <= 300; n++) {
    hasher.append(leaves[n - 1]);
    assert.equal(toHex(hasher.rootHash), toHex(mth(leaves.slice(0, n))), `size ${n}`);
    assert.ok(hasher.stack.length <= Math.floor(Math.log2(n)) + 1);
  }
});

// MARK: entries

const DIGEST = nodeSHA(te.encode('envelope'));
const LINE = bytesOf(Array.from({ length: 50 }, (_, i) => (i * 37 + 11) & 255));

test('log entries (log.md §2): every type encodes and parses back to the same bytes', () => {
  const entries = [
    { type: 'certificate', sha256: DIGEST, kind: 'residence', issuedAt: 1796238467, subjects: [] },
    { type: 'certificate', sha256: DIGEST, kind: 'partnership', issuedAt: 0, subjects: [LINE, LINE.map((b) => b ^ 1)] },
    { type: 'certificate', sha256: DIGEST, kind: 'a', issuedAt: Number.MAX_SAFE_INTEGER, subjects: [LINE, LINE, LINE, LINE] },
    { type: 'document', sha256: DIGEST, name: null },
    { type: 'document', sha256: DIGEST, name: '令和7年度予算書.pdf' },
    { type: 'revocation', sha256: DIGEST, target: 5, reason: 'moved', at: 1796238467 },
    { type: 'supersession', sha256: DIGEST, target: 5, successor: 9, at: 1796238467 },
  ];
  for (const e of entries) {
    const bytes = encodeEntry(e);
    assert.deepEqual(parseEntry(bytes), e);
    assert.deepEqual(encodeEntry(parseEntry(bytes)), bytes);
  }
  assert.equal(new TextDecoder().decode(certificateEntry(DIGEST, 'residence', 1796238467, [LINE])),
    `akashi-entry/v1\ntype certificate\nsha256 ${toHex(DIGEST)}\nkind residence\nissued 1796238467\nsubject ${b64u(LINE)}\n`);
  assert.equal(b64u(LINE).length, 67);
});

test('log entries: anything not canonical is refused', () => {
  const cert = `akashi-entry/v1\ntype certificate\nsha256 ${toHex(DIGEST)}\nkind residence\nissued 1796238467\n`;
  const line = `subject ${b64u(LINE)}\n`;
  const bad = [
    cert.replace(toHex(DIGEST), toHex(DIGEST).toUpperCase()),
    cert.replace('1796238467', '01796238467'),
    cert.replace('1796238467', '+1796238467'),
    cert.replace('1796238467', '9007199254740992'), // 2^53
    cert.replace('kind residence', 'kind Residence'),
    cert.slice(0, -1), // no final LF
    cert + '\n',
    cert.replace(/\n/g, '\r\n'),
    cert + line.repeat(5), // at most 4 subject lines
    cert + line.replace('subject ', 'subject  '),
    cert + line.slice(0, -2) + '\n', // 66 characters
    cert + line.replace(/.\n$/, '=\n'),
    cert + line.replace(/.\n$/, (c) => (c[0] === 'A' ? 'B' : 'A') + '\n').replace(/(.)\n$/, (m, c) => ('AEIMQUYcgkosw048'.includes(c) ? 'B' : c) + '\n'), // unused bits set
    cert + 'subject ' + '+'.repeat(67) + '\n',
    cert + 'name x\n',
    cert.replace('type certificate', 'type certificates'),
    `akashi-entry/v2\ntype document\nsha256 ${toHex(DIGEST)}\n`,
    `akashi-entry/v1\ntype document\nsha256 ${toHex(DIGEST)}\nname \n`,
    `akashi-entry/v1\ntype document\nsha256 ${toHex(DIGEST)}\nname a\u0085b\n`,
    `akashi-entry/v1\ntype document\nsha256 ${toHex(DIGEST)}\nname ${'x'.repeat(201)}\n`,
    `akashi-entry/v1\ntype revocation\nsha256 ${toHex(DIGEST)}\ntarget 5\nreason lost\nat 1\n`,
    `akashi-entry/v1\ntype supersession\nsha256 ${toHex(DIGEST)}\ntarget 5\nsuccessor 6\n`,
  ];
  for (const text of bad) assert.throws(() => parseEntry(te.encode(text)), /./, JSON.stringify(text));
  assert.throws(() => parseEntry(Uint8Array.of(...te.encode(cert).slice(0, -1), 0xff, 0x0a)));
  assert.doesNotThrow(() => parseEntry(te.encode(`akashi-entry/v1\ntype document\nsha256 ${toHex(DIGEST)}\nname ${'x'.repeat(200)}\n`)));
});

test('entry bundles and tile paths (c2sp.org/tlog-tiles)', () => {
  const entries = [te.encode('a\n'), new Uint8Array(0), new Uint8Array(300).fill(7)];
  const bundle = encodeEntryBundle(entries);
  assert.deepEqual(parseEntryBundle(bundle), entries);
  assert.equal(parseEntryBundle(bundle.subarray(0, bundle.length - 1)), null);
  assert.equal(parseEntryBundle(Uint8Array.of(0)), null);
  assert.deepEqual(parseEntryBundle(new Uint8Array(0)), []);
  assert.equal(encodeTileIndex(0), '000');
  assert.equal(encodeTileIndex(1234067), 'x001/x234/067');
  assert.equal(encodeTileIndex(1000), 'x001/000');
  assert.equal(entriesPath(3), 'tile/entries/003');
  assert.equal(entriesPath(3, 17), 'tile/entries/003.p/17');
  assert.equal(tilePath(1, 1234067, 255), 'tile/1/x001/x234/067.p/255');
});

// MARK: X25519 and subject lines

test('X25519 through WebCrypto equals node:crypto (RFC 7748 clamping included); public keys; RFC 7748 §6.1 vector', async () => {
  for (let i = 0; i < 20; i++) {
    const scalar = new Uint8Array(randomBytes(32));
    const u = resident().publicKey;
    assert.equal(toHex(await x25519(await importScalar(scalar), u)), toHex(nodeX25519(scalar, u)));
    assert.equal(toHex(await publicKeyOf(scalar)), toHex(nodeX25519(scalar, BASE_POINT)));
  }
  // RFC 7748 §6.1: Alice's private key and public key.
  const alice = Uint8Array.from(Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex'));
  assert.equal(toHex(await publicKeyOf(alice)), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  const bob = Uint8Array.from(Buffer.from('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f', 'hex'));
  assert.equal(toHex(await x25519(await importScalar(alice), bob)), '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
});

// Points of small order on Curve25519 (and their non-canonical forms): no shared secret.
const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((h) => Uint8Array.from(Buffer.from(h, 'hex')));

test('a low-order key gives no shared secret (deriveBits fails or gives zeros): null, and no subject lines', async () => {
  const key = await importScalar(new Uint8Array(randomBytes(32)));
  for (const u of LOW_ORDER) {
    assert.equal(await x25519(key, u), null, toHex(u));
    assert.equal(await subjectLines(new Uint8Array(10), new Uint8Array(10), [resident().publicKey, u]), null);
  }
  assert.equal(await x25519(key, new Uint8Array(31)), null);
});

test('subject lines (§3) equal the independent issuer\'s; the subject opens theirs (serial), nobody else does', async () => {
  for (const ctiLength of [10, 16]) {
    const cti = new Uint8Array(randomBytes(ctiLength));
    const serial = cti.subarray(0, 10);
    const people = [resident(), resident(), resident()];
    const keys = people.map((p) => p.publicKey);
    const lines = await subjectLines(cti, serial, keys);
    assert.deepEqual(lines.map(toHex), subjectLinesOf(cti, serial, keys).map(toHex));
    for (const [i, p] of people.entries()) {
      const mine = await importScalar(p.secret);
      for (const [j, line] of lines.entries()) {
        const opened = await openLine(line, mine);
        if (i === j) assert.deepEqual(opened, serial);
        else assert.equal(opened, null);
      }
    }
    const stranger = await importScalar(resident().secret);
    for (const line of lines) assert.equal(await openLine(line, stranger), null);
    // A changed bit anywhere: not found (R changes S, tag and enc are checked / decrypted).
    const mine = await importScalar(people[0].secret);
    const flipped = lines[0].slice();
    flipped[35] ^= 1;
    assert.equal(await openLine(flipped, mine), null);
    const enc = lines[0].slice();
    enc[45] ^= 1;
    assert.notDeepEqual(await openLine(enc, mine), serial); // the tag still matches: the serial is wrong
  }
});

test('secret and key texts (§1): AKS1./AKP1. and 78 digits of 32 bytes, white space around ignored', async () => {
  const p = resident();
  const s = secretText(p.secret);
  assert.ok(s.startsWith(SECRET_PREFIX));
  assert.equal(s.length, 5 + 78);
  assert.deepEqual(parseSecretText(s), p.secret);
  assert.deepEqual(parseSecretText(` \r\n\t${s}\n`), p.secret);
  assert.deepEqual(parseKeyText(keyText(p.publicKey)), p.publicKey);
  assert.ok(keyText(p.publicKey).startsWith(KEY_PREFIX));
  for (const bad of [s.replace('AKS1.', 'AKP1.'), s.replace('AKS1.', 'aks1.'), s.slice(0, -1), s + '0', s.replace(/.$/, 'x'), 'AKS1.', s.replace('AKS1.', 'AKS1. '),
    'AKS1.' + '9'.repeat(78)]) {
    assert.throws(() => parseSecretText(bad), /subject secret/, bad);
  }
  assert.throws(() => parseKeyText(s), /subject key/);
  // The Swift CLI's secret files and the key texts it printed (akashi subject keygen).
  for (const who of ['a', 'b']) {
    const secret = parseSecretText(readFileSync(join(FIXTURE, `${who}.key`), 'utf8'));
    assert.equal(keyText(await publicKeyOf(secret)), readFileSync(join(FIXTURE, `${who}.pub`), 'utf8').trim());
  }
});

// MARK: verification with subjects

test('verification: the subject check, the entry with its lines, the inclusion fallback (verification.md §3, subject-transparency.md §4)', async () => {
  const world = await makeWorld(parseTrust);
  const at = new Date((1796238467 + 60) * 1000);
  const verify = async (qr) => verifyText(qr, world.trust, { at });
  const checks = (r) => Object.fromEntries(r.checks.map((c) => [c.name, c.code ? `${c.status}:${c.code}` : c.status]));
  const RESIDENCE = JSON.parse(readFileSync(join(here, '../../../certs/examples/residence.json'), 'utf8'));
  const GRADUATION = JSON.parse(readFileSync(join(here, '../../../certs/examples/graduation.json'), 'utf8'));
  const ENERGY = JSON.parse(readFileSync(join(here, '../../../certs/examples/energy-origin.json'), 'utf8'));
  const PARTNERSHIP = { receiptNumber: 'P-1', oathDate: '2025-06-01', partner1Name: '佐賀 みどり', partner1BirthDate: '1992-02-14', partner1Address: '飯塚市', partner2Name: '加賀 あおい', partner2BirthDate: '1991-11-03', partner2Address: '飯塚市' };

  const ok = await verify((await issue(world, 'residence', RESIDENCE)).qr);
  assert.equal(ok.verdict, 'unconfirmed', JSON.stringify(ok.reasons));
  assert.equal(checks(ok).subject, 'passed');
  assert.match(Buffer.from(ok.log.entry, 'hex').toString(), /\nsubject [A-Za-z0-9_-]{67}\n$/);
  assert.equal(checks(await verify((await issue(world, 'energy-origin', ENERGY)).qr)).subject, 'passed');
  const pair = await verify((await issue(world, 'partnership', PARTNERSHIP)).qr);
  assert.equal(pair.verdict, 'unconfirmed', JSON.stringify(pair.reasons));
  assert.equal((Buffer.from(pair.log.entry, 'hex').toString().match(/\nsubject /g) || []).length, 2);

  // Not bound: no key, too many, a key for a kind without subjects; a low-order key.
  const noKey = await verify((await issue(world, 'residence', RESIDENCE, { residents: [] })).qr);
  assert.deepEqual(noKey.reasons.map((r) => [r.check, r.code]), [['subject', 'subjectNotFindable']]);
  assert.equal(checks(noKey).logEntry, 'passed'); // rebuilt without lines: the entry this issuer logged
  assert.equal(checks(noKey).inclusion, 'passed');
  assert.equal(checks(noKey).status, 'skipped');
  const two = await verify((await issue(world, 'graduation', GRADUATION, { residents: [resident(), resident()], lines: () => [] })).qr);
  assert.deepEqual(two.reasons.map((r) => r.code), ['subjectNotFindable']);
  assert.match(two.reasons[0].message.en, /1 subject\(s\).*it has 2/);
  // The entry is rebuilt without lines once the subject check failed: logged with them, it is not found either.
  const twoLogged = await verify((await issue(world, 'graduation', GRADUATION, { residents: [resident(), resident()] })).qr);
  assert.deepEqual(twoLogged.reasons.map((r) => [r.check, r.code]), [['subject', 'subjectNotFindable'], ['inclusion', 'inclusionFailed']]);
  const energy = await verify((await issue(world, 'energy-origin', ENERGY, { residents: [resident()], lines: () => [] })).qr);
  assert.deepEqual(energy.reasons.map((r) => [r.check, r.code]), [['subject', 'subjectNotFindable']]);
  for (const u of LOW_ORDER.slice(0, 3)) {
    const low = await verify((await issue(world, 'residence', RESIDENCE, { residents: [{ publicKey: u }], lines: () => [] })).qr);
    assert.deepEqual(low.reasons.map((r) => [r.check, r.code]), [['subject', 'subjectNotFindable']], toHex(u));
    assert.match(low.reasons[0].message.en, /low order/);
  }

  // Logged without its lines: inclusion fails with subjectNotFindable; with other lines: inclusionFailed.
  const unbound = await verify((await issue(world, 'residence', RESIDENCE, { lines: () => [] })).qr);
  assert.deepEqual(unbound.reasons.map((r) => [r.check, r.code]), [['inclusion', 'subjectNotFindable']]);
  assert.equal(checks(unbound).subject, 'passed');
  assert.equal(checks(unbound).checkpoint, 'skipped');
  const other = await verify((await issue(world, 'residence', RESIDENCE, { lines: () => subjectLinesOf(new Uint8Array(randomBytes(10)), new Uint8Array(10), [resident().publicKey]) })).qr);
  assert.deepEqual(other.reasons.map((r) => [r.check, r.code]), [['inclusion', 'inclusionFailed']]);
  const partial = await verify((await issue(world, 'partnership', PARTNERSHIP, { lines: (l) => l.slice(0, 1) })).qr);
  assert.deepEqual(partial.reasons.map((r) => r.code), ['inclusionFailed']); // one line of two is not "without its lines"
  const reordered = await verify((await issue(world, 'partnership', PARTNERSHIP, { lines: (l) => [l[1], l[0]] })).qr);
  assert.deepEqual(reordered.reasons.map((r) => r.code), ['inclusionFailed']);
});

test('trust files: kind member subjects is an integer 0 … 4 (default 0)', async () => {
  const world = await makeWorld(parseTrust);
  const withSubjects = (n) => {
    const json = structuredClone(world.trustJSON);
    json.authorities[0].kinds[0].subjects = n;
    return JSON.stringify(json);
  };
  for (const n of [0, 1, 2, 3, 4]) assert.equal((await parseTrust(withSubjects(n))).authorities[0].kinds[0].subjects, n);
  for (const n of [5, -1, '1', true, null]) await assert.rejects(parseTrust(withSubjects(n)), /subjects|null/, JSON.stringify(n));
  await assert.rejects(parseTrust(withSubjects(1.5)), /only integers/);
  await assert.rejects(parseTrust(withSubjects(1).replace('"subjects":1', '"subjects":1.0')), /./);
  const json = structuredClone(world.trustJSON);
  delete json.authorities[0].kinds[3].subjects;
  assert.equal((await parseTrust(JSON.stringify(json))).authorities[0].kinds[3].subjects, 0);
  assert.deepEqual(world.trust.authorities[0].kinds.map((k) => [k.id, k.subjects]), [['residence', 1], ['partnership', 2], ['graduation', 1], ['energy-origin', 0]]);
});

// MARK: the scan against the Swift CLI's log

/** A fetch() over a folder: GET `<base><path>` reads `<dir>/<path>`; 404 (empty body) otherwise. */
function folderFetch(routes, log = []) {
  return async (url, init) => {
    assert.equal(init.method, 'GET');
    assert.equal(init.credentials, 'omit');
    log.push(url);
    for (const [base, dir] of routes) {
      if (!url.startsWith(base)) continue;
      const file = join(dir, url.slice(base.length));
      if (existsSync(file) && !file.endsWith('/')) {
        try {
          const bytes = readFileSync(file);
          return new Response(bytes, { status: 200, headers: { 'content-length': String(bytes.length) } });
        } catch {
          // a directory
        }
      }
    }
    return new Response(null, { status: 404 });
  };
}

const fixtureTrust = () => parseTrust(readFileSync(join(FIXTURE, 'trust.json'), 'utf8'));
const secretOf = (who) => parseSecretText(readFileSync(join(FIXTURE, `${who}.key`), 'utf8'));
const swiftScan = (who) => JSON.parse(readFileSync(join(FIXTURE, `scan-${who}.json`), 'utf8'));

test('scan of the Swift CLI\'s log: exactly what `akashi subject scan --json` finds, states included, for both residents', async () => {
  const trust = await fixtureTrust();
  for (const who of ['a', 'b']) {
    const requests = [];
    const result = await scanLog({ source: 'https://iizuka.example/akashi/log/', trust, secret: secretOf(who) },
      { fetch: folderFetch([['https://iizuka.example/akashi/log/', join(FIXTURE, 'log')]], requests) });
    const swift = swiftScan(who);
    assert.deepEqual(result.certificates, swift.certificates, who);
    assert.equal(result.checkpoint.size, swift.checkpoint.size);
    assert.equal(result.checkpoint.rootHash, swift.checkpoint.rootHash);
    assert.equal(result.checkpoint.origin, swift.checkpoint.origin);
    assert.deepEqual(result.checkpoint.cosigners, swift.checkpoint.cosigners);
    assert.equal(result.entriesScanned, swift.entriesScanned);
    assert.equal(result.subjectLinesTested, swift.subjectLinesTested);
    assert.equal(result.bytesDownloaded, swift.bytesDownloaded); // the checkpoint and the bundle, as Swift counts them
    assert.equal(result.mirrored, false);
    // Only GETs of the checkpoint and the bundles.
    assert.deepEqual(requests, ['https://iizuka.example/akashi/log/checkpoint', 'https://iizuka.example/akashi/log/tile/entries/000.p/10']);
  }
  const issued = JSON.parse(readFileSync(join(FIXTURE, 'issued.json'), 'utf8'));
  const a = await scanLog({ source: 'https://iizuka.example/akashi/log', trust, secret: secretOf('a') }, { fetch: folderFetch([['https://iizuka.example/akashi/log/', join(FIXTURE, 'log')]]) });
  assert.deepEqual(a.certificates.map((c) => c.serial).sort(), [...issued.a].sort());
  assert.deepEqual(a.certificates.map((c) => c.state), ['valid', 'valid', 'revoked', 'superseded', 'valid']);
  assert.equal(a.certificates[2].reason, 'moved');
  assert.equal(a.certificates[3].successorIndex, a.certificates[4].index);
  const stranger = await scanLog({ source: 'https://iizuka.example/akashi/log/', trust, secret: resident().secret }, { fetch: folderFetch([['https://iizuka.example/akashi/log/', join(FIXTURE, 'log')]]) });
  assert.deepEqual(stranger.certificates, []);
  assert.equal(stranger.entriesScanned, 10);
});

test('scan from a mirror-style copy (<mirror>/<hex sha256(origin)>/): the same result, found by the probe or given directly', async () => {
  const trust = await fixtureTrust();
  const hash = originHash(trust.authorities[0].log.origin);
  assert.equal(hash, createHash('sha256').update('iizuka.example/akashi/log').digest('hex'));
  const requests = [];
  const fetch = folderFetch([[`https://mirror.example/m/${hash}/`, join(FIXTURE, 'log')]], requests);
  for (const source of ['https://mirror.example/m/', 'https://mirror.example/m', `https://mirror.example/m/${hash}/`, `https://mirror.example/m/${hash}`]) {
    requests.length = 0;
    const result = await scanLog({ source, trust, secret: secretOf('b') }, { fetch });
    assert.deepEqual(result.certificates, swiftScan('b').certificates, source);
    assert.equal(result.mirrored, true);
    assert.equal(result.prefix, `https://mirror.example/m/${hash}/`);
    const probed = !source.includes(hash);
    assert.deepEqual(requests, [...(probed ? ['https://mirror.example/m/checkpoint'] : []), `https://mirror.example/m/${hash}/checkpoint`, `https://mirror.example/m/${hash}/tile/entries/000.p/10`], source);
  }
  // Neither a log nor a mirror of a trusted origin: the plain URL's answer.
  await assert.rejects(scanLog({ source: 'https://mirror.example/other/', trust, secret: secretOf('b') }, { fetch }), (e) => e.code === 'source' && /other\/checkpoint answered 404/.test(e.reason));
});

test('the fixture\'s QR codes verify with the web core (their entries carry the subject lines the scan found)', async () => {
  const trust = await fixtureTrust();
  const issued = JSON.parse(readFileSync(join(FIXTURE, 'issued.json'), 'utf8'));
  for (const serial of [...new Set([...issued.a, ...issued.b, ...issued.none])]) {
    const qr = readFileSync(join(FIXTURE, 'qr', `${serial}.txt`), 'utf8').trim();
    const claimsAt = (await verifyText(qr, trust, { at: new Date(4102444800000) })).issuedAt; // any time: read iat
    const at = new Date(Date.parse(claimsAt) + 60000);
    const r = await verifyText(qr, trust, { at });
    assert.equal(r.verdict, 'unconfirmed', `${serial}: ${JSON.stringify(r.reasons)}`);
    assert.equal(r.serial, serial);
    const lines = Buffer.from(r.log.entry, 'hex').toString().split('\n').filter((l) => l.startsWith('subject ')).length;
    assert.equal(lines, issued.none.includes(serial) ? 0 : issued.a.includes(serial) && issued.b.includes(serial) ? 2 : 1, serial);
  }
});

test('scan failures: a changed entry (root mismatch), a dropped entry, a malformed entry, another checkpoint, an unmet witness policy, a missing source — nothing listed', async () => {
  const trust = await fixtureTrust();
  const logDir = join(FIXTURE, 'log');
  const bundle = new Uint8Array(readFileSync(join(logDir, 'tile/entries/000.p/10')));
  const entries = parseEntryBundle(bundle).map((e) => e.slice());
  const serve = (overrides) => async (url) => {
    const path = url.replace('https://x.example/log/', '');
    if (path in overrides) return overrides[path] === null ? new Response(null, { status: 404 }) : new Response(overrides[path], { status: 200 });
    const file = join(logDir, path);
    return existsSync(file) ? new Response(readFileSync(file), { status: 200 }) : new Response(null, { status: 404 });
  };
  const scan = (overrides, secret = secretOf('a'), t = trust) => scanLog({ source: 'https://x.example/log/', trust: t, secret }, { fetch: serve(overrides) });
  const fails = async (overrides, code, pattern, secret, t) => {
    await assert.rejects(scan(overrides, secret, t), (error) => {
      assert.ok(error instanceof ScanError, String(error));
      assert.equal(error.code, code, error.reason);
      if (pattern) assert.match(error.reason, pattern);
      return true;
    });
  };
  // One of A's subject lines changed so that it still parses: the root differs.
  const changed = entries.map((e) => e.slice());
  const text = new TextDecoder().decode(changed[0]);
  const i = text.indexOf('subject ') + 8;
  changed[0][i] = changed[0][i] === 0x41 ? 0x42 : 0x41;
  assert.doesNotThrow(() => parseEntry(changed[0]));
  await fails({ 'tile/entries/000.p/10': encodeEntryBundle(changed) }, 'rootMismatch', /do not hash to the checkpoint's root/);
  // An entry left out (the bundle of 9) and the right count with one replaced by a copy of another.
  await fails({ 'tile/entries/000.p/10': encodeEntryBundle(entries.slice(1)) }, 'source', /holds 9 entries; 10 were expected/);
  await fails({ 'tile/entries/000.p/10': encodeEntryBundle([entries[1], ...entries.slice(1)]) }, 'rootMismatch');
  // Not canonical.
  const upper = entries.map((e) => e.slice());
  upper[3] = te.encode(new TextDecoder().decode(upper[3]).replace(/sha256 ([0-9a-f]+)/, (m, h) => 'sha256 ' + h.toUpperCase()));
  await fails({ 'tile/entries/000.p/10': encodeEntryBundle(upper) }, 'malformedEntry', /entry 3/);
  await fails({ 'tile/entries/000.p/10': bundle.subarray(0, bundle.length - 1) }, 'source', /length prefixes/);
  // The checkpoint: altered, unsigned, of another log; the witness missing.
  const note = readFileSync(join(logDir, 'checkpoint'), 'utf8');
  await fails({ checkpoint: note.replace('\n10\n', '\n9\n') }, 'unverifiedCheckpoint', /does not verify/);
  const [body, sigs] = note.split('\n\n');
  await fails({ checkpoint: `${body}\n\n${sigs.split('\n').filter((l) => l && l.includes('witness')).join('\n')}\n` }, 'unverifiedCheckpoint', /no signature by the log key/);
  await fails({ checkpoint: `${body}\n\n${sigs.split('\n').filter((l) => l && !l.includes('witness')).join('\n')}\n` }, 'unverifiedCheckpoint', /quorum/);
  await fails({ checkpoint: note.replace('iizuka.example/akashi/log\n10', 'kaga.example/akashi/log\n10') }, 'unverifiedCheckpoint', /does not list/);
  await fails({ checkpoint: 'not a note' }, 'source', /not a signed checkpoint/);
  await fails({ checkpoint: null }, 'source', /answered 404/);
  await fails({ 'tile/entries/000.p/10': null }, 'source', /answered 404/);
  // Another trust file (its own log key): the checkpoint does not verify.
  const world = await makeWorld(parseTrust);
  const json = structuredClone(world.trustJSON);
  json.authorities[0].log.origin = 'iizuka.example/akashi/log';
  const other = await ed25519('iizuka.example/akashi/log');
  json.authorities[0].log.vkey = other.vkey;
  json.authorities[0].log.policy = `log ${other.vkey}\nquorum none\n`;
  await fails({}, 'unverifiedCheckpoint', /no signature by the log key/, secretOf('a'), await parseTrust(JSON.stringify(json)));
  // Unreachable.
  await assert.rejects(scanLog({ source: 'https://x.example/log/', trust, secret: secretOf('a') }, { fetch: async () => { throw new TypeError('Failed to fetch'); } }),
    (error) => error.code === 'source' && /cannot be read/.test(error.reason));
  // Stopped.
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(scanLog({ source: 'https://x.example/log/', trust, secret: secretOf('a') }, { fetch: serve({}), signal: controller.signal }), (error) => error.code === 'aborted');
});

// MARK: the scan against logs built here

/**
 * A log of `n` entries (no witnesses): certificate entries (with `lines(i)`
 * subject lines) and lifecycle entries as `make(i)` says; the tiles as a map
 * path → bytes, with partial bundles (or, `noPartial`, the last bundle only as
 * the full bundle of a longer log).
 */
async function buildLog(world, n, make, { noPartial = false } = {}) {
  const entries = [];
  for (let i = 0; i < n; i++) entries.push(encodeEntry(make(i)));
  const files = new Map();
  for (let b = 0; b * 256 < n; b++) {
    const chunk = entries.slice(b * 256, b * 256 + 256);
    if (chunk.length === 256) files.set(entriesPath(b), encodeEntryBundle(chunk));
    else if (noPartial) {
      const padding = Array.from({ length: 256 - chunk.length }, (_, j) => encodeEntry({ type: 'document', sha256: nodeSHA(te.encode(`later ${j}`)), name: null }));
      files.set(entriesPath(b), encodeEntryBundle([...chunk, ...padding]));
    } else files.set(entriesPath(b, chunk.length), encodeEntryBundle(chunk));
  }
  const root = mth(entries.map((e) => nodeSHA([0], e)));
  const text = `${ORIGIN}\n${n}\n${b64(root)}\n`;
  const sig = await ed(world.log.privateKey, te.encode(text));
  files.set('checkpoint', te.encode(`${text}\n\u2014 ${ORIGIN} ${b64(Buffer.concat([Buffer.from(world.log.keyID), Buffer.from(sig)]))}\n`));
  return { files, entries, root };
}

const mapFetch = (files, base = 'https://t.example/log/') => async (url) => {
  const path = url.slice(base.length);
  return url.startsWith(base) && files.has(path) ? new Response(files.get(path), { status: 200 }) : new Response(null, { status: 404 });
};

test('scan of a 700-entry log (3 bundles, the last partial; also served only as a full bundle): every certificate of the resident, roles, states, progress', async () => {
  const world = await makeWorld(parseTrust);
  const me = resident();
  const partner = resident();
  const mine = new Map(); // index → {serial, role, kind}
  const cert = (i, kind, keys) => {
    const cti = new Uint8Array(randomBytes(10));
    return { type: 'certificate', sha256: nodeSHA(cti), kind, issuedAt: 1796238467 + i, subjects: subjectLinesOf(cti, cti, keys), cti };
  };
  const make = (i) => {
    if (i === 10 || i === 300 || i === 650 || i === 699) {
      const e = cert(i, 'residence', [me.publicKey]);
      mine.set(i, [{ serial: serialText(e.cti), role: 0, kind: 'residence' }]);
      return e;
    }
    if (i === 20) { // a partnership of me (second declarant) and the partner
      const e = cert(i, 'partnership', [partner.publicKey, me.publicKey]);
      mine.set(i, [{ serial: serialText(e.cti), role: 1, kind: 'partnership' }]);
      return e;
    }
    if (i === 21) { // both keys mine (a test of roles): found twice
      const e = cert(i, 'partnership', [me.publicKey, me.publicKey]);
      mine.set(i, [{ serial: serialText(e.cti), role: 0, kind: 'partnership' }, { serial: serialText(e.cti), role: 1, kind: 'partnership' }]);
      return e;
    }
    if (i === 400) return { type: 'revocation', sha256: DIGEST, target: 10, reason: 'moved', at: 1 };
    if (i === 401) return { type: 'revocation', sha256: DIGEST, target: 11, reason: 'error', at: 1 }; // not mine
    if (i === 500) return { type: 'supersession', sha256: DIGEST, target: 300, successor: 650, at: 2 };
    if (i === 501) return { type: 'revocation', sha256: DIGEST, target: 21, reason: 'ended', at: 3 };
    if (i % 7 === 0) return { type: 'document', sha256: nodeSHA(te.encode(String(i))), name: i % 14 === 0 ? `doc ${i}` : null };
    return cert(i, i % 3 ? 'residence' : 'graduation', [resident().publicKey]);
  };
  for (const noPartial of [false, true]) {
    mine.clear();
    const log = await buildLog(world, 700, make, { noPartial });
    const progress = [];
    const requests = [];
    const fetch = mapFetch(log.files);
    const result = await scanLog({ source: 'https://t.example/log/', trust: world.trust, secret: me.secret }, {
      fetch: async (url, init) => { requests.push(url); return fetch(url, init); }, onProgress: (p) => progress.push(p), batch: 100, concurrency: 2,
    });
    const want = [...mine.entries()].flatMap(([index, list]) => list.map((c) => ({ index, ...c })));
    assert.deepEqual(result.certificates.map((c) => ({ index: c.index, serial: c.serial, role: c.role, kind: c.kind })), want);
    const by = (i, role = 0) => result.certificates.find((c) => c.index === i && c.role === role);
    assert.equal(by(10).state, 'revoked');
    assert.equal(by(10).reason, 'moved');
    assert.equal(by(300).state, 'superseded');
    assert.equal(by(300).successorIndex, 650);
    assert.equal(by(650).state, 'valid');
    assert.equal(by(21, 0).state, 'revoked');
    assert.equal(by(21, 1).state, 'revoked');
    assert.equal(by(20, 1).state, 'valid');
    assert.equal(by(699).issuedAt, 1796238467 + 699);
    assert.equal(result.checkpoint.rootHash, toHex(log.root));
    assert.deepEqual(result.checkpoint.cosigners, []);
    assert.equal(result.entriesScanned, 700);
    assert.equal(result.subjectLinesTested, log.entries.filter((e) => e.length > 0).reduce((n, e) => n + (new TextDecoder().decode(e).match(/\nsubject /g) || []).length, 0));
    assert.deepEqual(progress.map((p) => p.entries), [256, 512, 700]);
    assert.equal(progress.at(-1).bytes, result.bytesDownloaded);
    const last = noPartial ? entriesPath(2) : entriesPath(2, 188);
    assert.ok(requests.includes('https://t.example/log/' + last), requests.join(' '));
    if (noPartial) assert.ok(requests.includes('https://t.example/log/' + entriesPath(2, 188))); // tried first, 404
  }
});

test('scan of an empty log and of a log with no certificate entries', async () => {
  const world = await makeWorld(parseTrust);
  const empty = await buildLog(world, 0, () => null);
  const r0 = await scanLog({ source: 'https://t.example/log/', trust: world.trust, secret: resident().secret }, { fetch: mapFetch(empty.files) });
  assert.equal(r0.entriesScanned, 0);
  assert.deepEqual(r0.certificates, []);
  assert.equal(r0.checkpoint.rootHash, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  const docs = await buildLog(world, 257, (i) => ({ type: 'document', sha256: nodeSHA(te.encode(String(i))), name: null }));
  const r1 = await scanLog({ source: 'https://t.example/log/', trust: world.trust, secret: resident().secret }, { fetch: mapFetch(docs.files) });
  assert.equal(r1.entriesScanned, 257);
  assert.equal(r1.subjectLinesTested, 0);
  // A lying server: a checkpoint over a bigger tree than the bundles it serves.
  const bigger = await buildLog(world, 300, (i) => ({ type: 'document', sha256: nodeSHA(te.encode(String(i))), name: null }));
  const files = new Map(docs.files);
  files.set('checkpoint', bigger.files.get('checkpoint'));
  await assert.rejects(scanLog({ source: 'https://t.example/log/', trust: world.trust, secret: resident().secret }, { fetch: mapFetch(files) }), (e) => e.code === 'source');
});

test('verifying the issuer-built certificates still agrees with the entry the scan parses (one certificate, both ways)', async () => {
  const world = await makeWorld(parseTrust);
  const me = resident();
  const cert = await issue(world, 'graduation', JSON.parse(readFileSync(join(here, '../../../certs/examples/graduation.json'), 'utf8')), { residents: [me] });
  const r = await verifyText(cert.qr, world.trust, { at: new Date((1796238467 + 60) * 1000) });
  const entry = parseEntry(Uint8Array.from(Buffer.from(r.log.entry, 'hex')));
  assert.equal(entry.subjects.length, 1);
  assert.equal(await openLine(entry.subjects[0], await importScalar(me.secret)).then((s) => serialText(s)), r.serial);
  assert.deepEqual(leafHashSync(Uint8Array.from(Buffer.from(r.log.entry, 'hex'))), Uint8Array.from(Buffer.from(r.log.leafHash, 'hex')));
  void E;
  void shippedKind;
});
