#!/usr/bin/env bash
# The README's run command: the issuer service on the embedded SQLite store.
# First run: creates a demo authority (飯塚市) in ${AKASHI_DATA:-run-data/iizuka}
# and a demo admin whose password is printed once. Then serves until Ctrl-C.
set -euo pipefail
akashi=".build/debug/akashi"
data="${AKASHI_DATA:-run-data/iizuka}"
port="${AKASHI_PORT:-8080}"

if [ ! -f "$data/config.json" ]; then
  echo "== creating the demo authority in $data"
  mkdir -p "$(dirname "$data")"
  "$akashi" init --data "$data" --origin iizuka.example/akashi/log --name 飯塚市 --code 402052 \
    --verifier-url "http://127.0.0.1:$port/verify/"
fi

if ! "$akashi" user list --data "$data" 2>/dev/null | grep -q .; then
  password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 20)"
  printf '%s\n' "$password" | "$akashi" user add --data "$data" --login admin --role admin --name "デモ管理者" >/dev/null
  echo
  echo "  デモ管理者 / demo admin:  login 'admin'  password '$password'"
  echo "  （このパスワードは一度だけ表示されます / shown only once）"
  echo
fi

echo "  Open http://127.0.0.1:$port/ in a browser (Ctrl-C stops the service)."
exec "$akashi" serve --data "$data" --port "$port" --certs certs
