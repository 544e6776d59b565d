// Service worker of the Akashi web verifier and the resident's record page
// (record.html): both work offline once opened (the record page's scan still
// needs the log's tiles, which go straight to the network, never cached here).
// App files: cache first (a new VERSION installs a fresh cache and drops the old one).
// trust.json and status.cose: network first, so updates are picked up when
// online, with the cached copies as the fallback offline.
const VERSION = 'akashi-verifier-v2.2.1';
const APP_FILES = [
  './',
  'index.html',
  'record.html',
  'css/app.css',
  'css/record.css',
  'js/app.js',
  'js/camera.js',
  'js/i18n.js',
  'js/qr.js',
  'js/record.js',
  'js/record-i18n.js',
  'js/x25519-worker.js',
  'js/vendor/qrcode-generator/qrcode.js',
  'js/core/cbor.js',
  'js/core/claims.js',
  'js/core/cose.js',
  'js/core/disclosure.js',
  'js/core/entry.js',
  'js/core/json.js',
  'js/core/kinds.js',
  'js/core/merkle.js',
  'js/core/note.js',
  'js/core/numeric.js',
  'js/core/payload.js',
  'js/core/policy.js',
  'js/core/proof.js',
  'js/core/scan.js',
  'js/core/sha256.js',
  'js/core/status.js',
  'js/core/subject.js',
  'js/core/trust.js',
  'js/core/util.js',
  'js/core/verify.js',
  'manifest.webmanifest',
  'icons/icon.svg',
  'icons/icon-192.png',
  'icons/icon-512.png',
  'icons/icon-maskable-192.png',
  'icons/icon-maskable-512.png',
];
// Network first (they change): the trust file and the signed status list.
const TRUST_FILES = ['trust.json', 'status.cose'];

const scopeURL = (path) => new URL(path, self.registration.scope).href;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(VERSION);
    await cache.addAll(APP_FILES.map((f) => new Request(scopeURL(f), { cache: 'reload' })));
    // The trust file and status list are precached when there are some; a
    // missing one must not block installing.
    for (const f of TRUST_FILES) {
      try {
        const response = await fetch(new Request(scopeURL(f), { cache: 'reload' }));
        if (response.ok) await cache.put(scopeURL(f), response);
      } catch {
        // offline or absent: fetched on first use
      }
    }
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('akashi-verifier-') && key !== VERSION) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

function isTrustFile(url) {
  return TRUST_FILES.some((f) => url.href === scopeURL(f));
}

function appFileURL(request) {
  const url = new URL(request.url);
  // Request URLs may carry the fragment (#AK2.…) and a query (?at=, ?lang=).
  url.hash = '';
  url.search = '';
  // The page itself, whatever its query.
  if (request.mode === 'navigate' && (url.href === scopeURL('./') || url.href === scopeURL('index.html'))) {
    return scopeURL('index.html');
  }
  return APP_FILES.map(scopeURL).includes(url.href) ? url.href : null;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  url.hash = '';

  if (isTrustFile(url)) {
    const optional = url.href === scopeURL('status.cose');
    // A site without a status list answers 404; the page gets "204 none" instead
    // (no console error), and so it does offline when none was ever cached.
    const none = () => new Response(null, { status: 204, statusText: 'No status list' });
    event.respondWith((async () => {
      const cache = await caches.open(VERSION);
      try {
        const response = await fetch(request, { cache: 'no-cache' });
        if (response.ok) await cache.put(url.href, response.clone());
        if (optional && response.status === 404) {
          await cache.delete(url.href);
          return none();
        }
        return response;
      } catch (error) {
        const cached = await cache.match(url.href);
        if (cached) return cached;
        if (optional) return none();
        throw error;
      }
    })());
    return;
  }

  const key = appFileURL(request);
  if (!key) return; // not ours (e.g. test pages): straight to the network
  event.respondWith((async () => {
    const cache = await caches.open(VERSION);
    const cached = await cache.match(key);
    if (cached) return cached;
    const response = await fetch(request);
    if (response.ok && url.search === '') await cache.put(key, response.clone());
    return response;
  })());
});
