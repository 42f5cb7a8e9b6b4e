#!/usr/bin/env bash
# The whole performance comparison on one machine in one run:
#
#   1. getOAuthApplicationData with Basic auth against isadmin, a bare Go
#      net/http handler returning the same bytes (bench/bare) and the npm
#      soap package's server serving the same WSDL with a canned object
#      (bench/nodesoap-peer), alternating A B C A B C ...;
#   2. registerOAuthApplicationData against the raw SQLite commit rate with
#      the same durability (WAL, synchronous=FULL), alternating;
#   3. the store's map-keys of existing OAuth clients;
#   4. the resident memory of isadmin holding 100 000 OAuth clients while
#      getAllOAuthApplicationData returns the 10 000 of one user;
#   5. cold starts of isadmin serve to the first successful SOAP response;
#
# then writes bench/results/<date>-<host>/results.md and chart.png (and the
# raw JSON of every run in raw/).
#
# Usage: bench/run.sh
# Environment (defaults in brackets):
#   ROUNDS [3]             rounds of each alternating comparison
#   DURATION [10s]         measured time of each run
#   WARMUP [2s]            unmeasured load before each run
#   CONCURRENCY [32]       keep-alive connections (and SQLite writers)
#   COLD_STARTS [10]       cold starts
#   MAPKEYS_PER_ROUND [40000]  store applications seeded for each map-keys round
#   MEM_CONCURRENCY [1]    concurrent getAllOAuthApplicationData calls in the memory test
#   OUT                    results directory [bench/results/<date>-<host>]
#   PORT_ISADMIN [19763], PORT_BARE [19780], PORT_PEER [19801]   loopback ports
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONCURRENCY=${CONCURRENCY:-32}
COLD_STARTS=${COLD_STARTS:-10}
MAPKEYS_PER_ROUND=${MAPKEYS_PER_ROUND:-40000}
MEM_CONCURRENCY=${MEM_CONCURRENCY:-1}
PORT_ISADMIN=${PORT_ISADMIN:-19763}
PORT_BARE=${PORT_BARE:-19780}
PORT_PEER=${PORT_PEER:-19801}

# The servers started here take their configuration from flags only.
while IFS= read -r v; do unset "$v"; done < <(compgen -e | grep '^ISADMIN_' || true)

host=$(hostname -s 2>/dev/null || hostname)
day=$(date -u +%F)
out=${OUT:-$root/bench/results/$day-$host}
if [[ -z ${OUT:-} && -e $out ]]; then
	out=$out-$(date -u +%H%M%S)
fi
mkdir -p "$out/raw"
req=$root/bench/requests

work=$(mktemp -d "${TMPDIR:-/tmp}/isadmin-bench.XXXXXX")
started=()
cleanup() {
	local pid
	for pid in "${started[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${started[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

log() { printf '==> %s\n' "$*" >&2; }

# stop PID: SIGTERM, then wait for it.
stop() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	local keep=() pid
	for pid in "${started[@]}"; do
		[[ $pid == "$1" ]] || keep+=("$pid")
	done
	started=("${keep[@]}")
}

# wait_for URL: until it answers at all (any status), for at most 20 s.
wait_for() {
	local i
	for ((i = 0; i < 400; i++)); do
		if curl -s -o /dev/null --max-time 1 "$1"; then
			return 0
		fi
		sleep 0.05
	done
	echo "no answer from $1" >&2
	return 1
}

isadmin_url=http://127.0.0.1:$PORT_ISADMIN
oauth=$isadmin_url/services/OAuthAdminService
store=$isadmin_url/api/am/devportal/v3

# start_isadmin DATADIR: starts isadmin serve (plain HTTP on loopback) and
# sets isadmin_pid.
start_isadmin() {
	"$work/isadmin" serve --data-dir "$1" --https-addr '' --http-addr "127.0.0.1:$PORT_ISADMIN" --http-admin-services=true \
		--log-format json >>"$work/isadmin.log" 2>&1 &
	isadmin_pid=$!
	started+=("$isadmin_pid")
	wait_for "$oauth?wsdl"
}

# soap ACTION FILE [OUTFILE]: one SOAP 1.1 call as admin; fails unless 200.
soap() {
	local code
	code=$(curl -s -o "${3:-/dev/null}" -w '%{http_code}' -u admin:admin "$oauth" \
		-H 'Content-Type: text/xml; charset=UTF-8' -H "SOAPAction: \"urn:$1\"" --data-binary "@$2")
	if [[ $code != 200 ]]; then
		echo "$1: HTTP $code" >&2
		return 1
	fi
}

# bench NAME ROUND ARGS...: one isadmin bench run, kept as raw/NAME-rROUND.json.
bench() {
	local name=$1 round=$2
	shift 2
	local file=$out/raw/${name//\//-}-r$round.json
	log "bench $name round $round"
	"$work/isadmin" bench --name "$name" --json "$@" >"$file"
	jq -r 'if .kind == "cold-start" then "    median \(.median_ms) ms, max \(.max_ms) ms"
		else "    \(.requests_per_s) per s, p99 \(.latency_ms.p99) ms, errors \(.errors.total)\(if .exhausted then ", values ran out" else "" end)" end' "$file" >&2
}

soap_headers() { # ACTION
	printf '%s\n' --header 'Content-Type: text/xml; charset=UTF-8' --header "SOAPAction: \"urn:$1\""
}

log "building"
go build -o "$work/isadmin" ./cmd/isadmin
go build -o "$work/bare" ./bench/bare
go build -o "$work/seed" ./bench/seed
go build -o "$work/report" ./bench/report
if [[ ! -d bench/nodesoap-peer/node_modules ]]; then
	log "npm ci in bench/nodesoap-peer"
	(cd bench/nodesoap-peer && npm ci --no-audit --no-fund)
fi

{
	echo "date=$(date -u +'%F %H:%M UTC')"
	echo "host=$host"
	echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "cores=$(nproc)"
	echo "memory=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
	echo "kernel=$(uname -sr)"
	echo "filesystem=$(df -PT "$work" | awk 'NR==2 {print $2 " (" $1 ")"}')"
	echo "go=$(go env GOVERSION)"
	echo "node=$(node --version)"
	echo "npm soap=$(cd bench/nodesoap-peer && node -p 'require("soap/package.json").version')"
	commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
	if [[ -n $(git status --porcelain -- . ':!bench/results' 2>/dev/null) ]]; then
		commit="$commit with uncommitted changes"
	fi
	echo "isadmin=$commit"
	echo "load=isadmin bench, $CONCURRENCY keep-alive connections, ${WARMUP} warm-up, ${DURATION} measured, $ROUNDS rounds"
} >"$out/env.txt"
cat "$out/env.txt" >&2

# --- 1. getOAuthApplicationData: isadmin, bare handler, npm soap ------------

log "isadmin with one OAuth client"
start_isadmin "$work/data-get"
soap registerOAuthApplicationData "$req/register-bench-client.xml"
soap getOAuthApplicationData "$req/getOAuthApplicationData.xml" "$work/response.xml"
cp "$work/response.xml" "$out/getOAuthApplicationData.response.xml"
curl -sf "$oauth?wsdl" -o "$work/OAuthAdminService.wsdl"

# The bare handler answers with isadmin's headers too: Carbon's Server,
# the session cookie of a Basic call, chunked.
"$work/bare" --addr "127.0.0.1:$PORT_BARE" --response "$work/response.xml" --chunked \
	--header "Server: WSO2 Carbon Server" --header "Set-Cookie: JSESSIONID=0123456789ABCDEF0123456789ABCDEF; Path=/; HttpOnly" \
	2>>"$work/bare.log" &
bare_pid=$!
started+=("$bare_pid")
node bench/nodesoap-peer/server.js --addr "127.0.0.1:$PORT_PEER" --wsdl "$work/OAuthAdminService.wsdl" \
	--response "$work/response.xml" >>"$work/peer.log" 2>&1 &
peer_pid=$!
started+=("$peer_pid")
wait_for "http://127.0.0.1:$PORT_BARE/"
wait_for "http://127.0.0.1:$PORT_PEER/services/OAuthAdminService?wsdl"

mapfile -t get_headers < <(soap_headers getOAuthApplicationData)
common=(--concurrency "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP")
get_args=("${common[@]}" --body-file "$req/getOAuthApplicationData.xml" "${get_headers[@]}" --user admin --password admin)
for ((r = 1; r <= ROUNDS; r++)); do
	bench get/isadmin "$r" --url "$oauth" "${get_args[@]}"
	bench get/bare "$r" --url "http://127.0.0.1:$PORT_BARE/services/OAuthAdminService" "${get_args[@]}"
	bench get/nodesoap "$r" --url "http://127.0.0.1:$PORT_PEER/services/OAuthAdminService" "${get_args[@]}"
done
stop "$bare_pid"
stop "$peer_pid"

# --- 2. registerOAuthApplicationData against raw SQLite commits -----------

mapfile -t reg_headers < <(soap_headers registerOAuthApplicationData)
mkdir -p "$work/sqlite"
for ((r = 1; r <= ROUNDS; r++)); do
	bench register/isadmin "$r" --url "$oauth" "${common[@]}" --template "$req/registerOAuthApplicationData.tmpl.xml" \
		"${reg_headers[@]}" --user admin --password admin
	bench commit/sqlite "$r" --kind sqlite-commits --dir "$work/sqlite" "${common[@]}"
	bench commit/sqlite-c1 "$r" --kind sqlite-commits --dir "$work/sqlite" --concurrency 1 --duration "$DURATION" --warmup "$WARMUP"
done
stop "$isadmin_pid"

# --- 3. store map-keys of existing OAuth clients -------------------------

log "seeding $((MAPKEYS_PER_ROUND * ROUNDS)) store applications and OAuth clients for map-keys"
start_isadmin "$work/data-mapkeys"
soap registerOAuthApplicationData "$req/register-bench-client.xml"
template_app=$(curl -sf -u admin:admin -H 'Content-Type: application/json' "$store/applications" \
	--data-binary "@$req/store-application.json" | jq -r .applicationId)
stop "$isadmin_pid"
total=$((MAPKEYS_PER_ROUND * ROUNDS))
"$work/seed" store --db "$work/data-mapkeys/isadmin.db" --template-uuid "$template_app" --count "$total" \
	--prefix mk- --out "$work/mapkeys.txt"
"$work/seed" oauth --db "$work/data-mapkeys/isadmin.db" --template-key bench-client-id --count "$total" --prefix mk-
start_isadmin "$work/data-mapkeys"
for ((r = 1; r <= ROUNDS; r++)); do
	sed -n "$(((r - 1) * MAPKEYS_PER_ROUND + 1)),$((r * MAPKEYS_PER_ROUND))p" "$work/mapkeys.txt" >"$work/mapkeys-$r.txt"
	bench mapkeys/isadmin "$r" --url "$store/applications/{{index .Fields 0}}/map-keys" "${common[@]}" \
		--template "$req/map-keys.tmpl.json" --values "$work/mapkeys-$r.txt" --values-once \
		--header 'Content-Type: application/json' --user admin --password admin
done
stop "$isadmin_pid"

# --- 4. resident memory: 100 000 clients, a list of 10 000 ----------------

log "seeding 100 000 OAuth clients, 10 000 of them admin's"
start_isadmin "$work/data-mem"
soap registerOAuthApplicationData "$req/register-bench-client.xml"
stop "$isadmin_pid"
"$work/seed" oauth --db "$work/data-mem/isadmin.db" --template-key bench-client-id --count 99999 --owned 9999 --prefix mem-
start_isadmin "$work/data-mem"
mapfile -t all_headers < <(soap_headers getAllOAuthApplicationData)
bench memory/isadmin 1 --url "$oauth" --concurrency "$MEM_CONCURRENCY" --duration "$DURATION" --warmup 1s \
	--body-file "$req/getAllOAuthApplicationData.xml" "${all_headers[@]}" --user admin --password admin --rss-pid "$isadmin_pid"
soap getAllOAuthApplicationData "$req/getAllOAuthApplicationData.xml" "$work/all.xml"
listed=$(grep -o '<[A-Za-z0-9]*:oauthConsumerKey>' "$work/all.xml" | wc -l)
log "getAllOAuthApplicationData lists $listed clients"
if [[ $listed != 10000 ]]; then
	echo "the memory test expected 10000 clients in the list, got $listed" >&2
	exit 1
fi

# --- 5. slow readers: 64 stalled listings of 10 000 clients ---------------

log "64 connections stalled on getAllOAuthApplicationData of 10 000 clients"
stalled=(--stalled 64 --stalled-body-file "$req/getAllOAuthApplicationData.xml")
for h in "${all_headers[@]}"; do
	[[ $h == --header ]] || stalled+=(--stalled-header "$h")
done
bench stalled-get/isadmin 1 --url "$oauth" "${common[@]}" "${stalled[@]}" \
	--body-file "$req/getOAuthApplicationData.xml" "${get_headers[@]}" --user admin --password admin
bench stalled-register/isadmin 1 --url "$oauth" "${common[@]}" "${stalled[@]}" \
	--template "$req/registerOAuthApplicationData.tmpl.xml" "${reg_headers[@]}" --user admin --password admin
stop "$isadmin_pid"

# --- 6. cold start ----------------------------------------------------------

bench coldstart/isadmin 1 --kind cold-start --binary "$work/isadmin" --runs "$COLD_STARTS" --dir "$work"

"$work/report" --dir "$out"
log "wrote $out/results.md and $out/chart.png"
