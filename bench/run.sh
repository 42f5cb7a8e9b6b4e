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
#   5. getOAuthApplicationData and registerOAuthApplicationData beside 64
#      connections stalled on large listings;
#   6. PostgreSQL beside SQLite: random getOAuthApplicationData over
#      PG_CLIENTS clients, registerOAuthApplicationData, AuthenticationAdmin
#      login and map-keys, alternating; then 1, 2 and 3 instances on one
#      PostgreSQL database (skipped when PostgreSQL cannot be reached);
#   7. cold starts of isadmin serve to the first successful SOAP response;
#   8. tokens: a client_credentials request answered with the client's
#      active token, introspection of an active token, both against the
#      bare handler writing the token endpoint's answer; new tokens (a new
#      scope each) against the raw SQLite commit rate, alternating;
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
#   MAPKEYS_PER_ROUND [60000]  store applications seeded for each map-keys round
#   MEM_CONCURRENCY [1]    concurrent getAllOAuthApplicationData calls in the memory test
#   MEM_CLIENTS [100000]   OAuth clients stored in the memory test (10 000 of them admin's)
#   SECTIONS [1 2 3 4 5 6 7 8]  the sections to run
#   OUT                    results directory [bench/results/<date>-<host>]
#   PG_URL [postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable]  a PostgreSQL
#                          database where the database isadmin_bench may be made
#   PG_CLIENTS [150000]    OAuth clients of the random gets of section 6
#   PORT_ISADMIN [19763], PORT_BARE [19780], PORT_PEER [19801]   loopback ports
#                          (PostgreSQL instances: PORT_ISADMIN+10 to +12)
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONCURRENCY=${CONCURRENCY:-32}
COLD_STARTS=${COLD_STARTS:-10}
MAPKEYS_PER_ROUND=${MAPKEYS_PER_ROUND:-60000}
MEM_CONCURRENCY=${MEM_CONCURRENCY:-1}
MEM_CLIENTS=${MEM_CLIENTS:-100000}
SECTIONS=${SECTIONS:-1 2 3 4 5 6 7 8}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
PG_CLIENTS=${PG_CLIENTS:-150000}
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

# wait_for URL [TRIES]: until it answers at all (any status), polling every
# 50 ms, at most TRIES [400] times.
wait_for() {
	local i
	for ((i = 0; i < ${2:-400}; i++)); do
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

# start_isadmin DATADIR [PORT [ARGS...]]: starts isadmin serve (plain HTTP
# on loopback) and sets isadmin_pid.
start_isadmin() {
	local dir=$1 port=${2:-$PORT_ISADMIN}
	shift $(($# < 2 ? $# : 2))
	"$work/isadmin" serve --data-dir "$dir" --https-addr '' --http-addr "127.0.0.1:$port" --http-admin-services=true \
		--log-format json "$@" >>"$work/isadmin.log" 2>&1 &
	isadmin_pid=$!
	started+=("$isadmin_pid")
	wait_for "http://127.0.0.1:$port/services/OAuthAdminService?wsdl" 1200
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
	echo "postgresql=$(psql -qAt "$PG_URL" -c 'SHOW server_version' 2>/dev/null || echo unreachable)"
	echo "pg_clients=$PG_CLIENTS"
} >"$out/env.txt"
cat "$out/env.txt" >&2

# want N: whether section N runs.
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

mapfile -t get_headers < <(soap_headers getOAuthApplicationData)
mapfile -t reg_headers < <(soap_headers registerOAuthApplicationData)
mapfile -t all_headers < <(soap_headers getAllOAuthApplicationData)
common=(--concurrency "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP")
get_args=("${common[@]}" --body-file "$req/getOAuthApplicationData.xml" "${get_headers[@]}" --user admin --password admin)
total=$((MAPKEYS_PER_ROUND * ROUNDS))
isadmin_pid=

# start_get_server: isadmin with the one OAuth client of sections 1 and 2.
start_get_server() {
	log "isadmin with one OAuth client"
	start_isadmin "$work/data-get"
	soap registerOAuthApplicationData "$req/register-bench-client.xml"
	soap getOAuthApplicationData "$req/getOAuthApplicationData.xml" "$work/response.xml"
}

# --- 1. getOAuthApplicationData: isadmin, bare handler, npm soap ------------

if want 1; then
start_get_server
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

# The cookie of a login, for the same get on a session (no Basic).
cookie=$(curl -s -D - -o /dev/null "$isadmin_url/services/AuthenticationAdmin" -H 'Content-Type: text/xml; charset=UTF-8' \
	-H 'SOAPAction: "urn:login"' --data-binary "@$req/login.xml" | tr -d '\r' | sed -n 's/^Set-Cookie: \(JSESSIONID=[^;]*\).*/\1/Ip' | head -1)
if [[ -z $cookie ]]; then
	echo "login set no JSESSIONID" >&2
	exit 1
fi
cookie_args=("${common[@]}" --body-file "$req/getOAuthApplicationData.xml" "${get_headers[@]}" --header "Cookie: $cookie")
for ((r = 1; r <= ROUNDS; r++)); do
	bench get/isadmin "$r" --url "$oauth" "${get_args[@]}"
	bench get-cookie/isadmin "$r" --url "$oauth" "${cookie_args[@]}"
	bench get/bare "$r" --url "http://127.0.0.1:$PORT_BARE/services/OAuthAdminService" "${get_args[@]}"
	bench get/nodesoap "$r" --url "http://127.0.0.1:$PORT_PEER/services/OAuthAdminService" "${get_args[@]}"
done
stop "$bare_pid"
stop "$peer_pid"
fi

# --- 2. registerOAuthApplicationData against raw SQLite commits -----------

if want 2; then
[[ -n $isadmin_pid ]] || start_get_server
mkdir -p "$work/sqlite"
for ((r = 1; r <= ROUNDS; r++)); do
	bench register/isadmin "$r" --url "$oauth" "${common[@]}" --template "$req/registerOAuthApplicationData.tmpl.xml" \
		"${reg_headers[@]}" --user admin --password admin
	bench commit/sqlite "$r" --kind sqlite-commits --dir "$work/sqlite" "${common[@]}"
	bench commit/sqlite-c1 "$r" --kind sqlite-commits --dir "$work/sqlite" --concurrency 1 --duration "$DURATION" --warmup "$WARMUP"
done
fi
[[ -z $isadmin_pid ]] || stop "$isadmin_pid"

# --- 3. store map-keys of existing OAuth clients -------------------------

if want 3; then
log "seeding $((MAPKEYS_PER_ROUND * ROUNDS)) store applications and OAuth clients for map-keys"
start_isadmin "$work/data-mapkeys"
soap registerOAuthApplicationData "$req/register-bench-client.xml"
template_app=$(curl -sf -u admin:admin -H 'Content-Type: application/json' "$store/applications" \
	--data-binary "@$req/store-application.json" | jq -r .applicationId)
stop "$isadmin_pid"
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
fi

# --- 4. resident memory: 100 000 clients, a list of 10 000 ----------------

if want 4 || want 5; then
log "seeding $MEM_CLIENTS OAuth clients, 10 000 of them admin's"
start_isadmin "$work/data-mem"
soap registerOAuthApplicationData "$req/register-bench-client.xml"
stop "$isadmin_pid"
"$work/seed" oauth --db "$work/data-mem/isadmin.db" --template-key bench-client-id --count $((MEM_CLIENTS - 1)) --owned 9999 --prefix mem-
start_isadmin "$work/data-mem"
fi
if want 4; then
bench memory/isadmin 1 --url "$oauth" --concurrency "$MEM_CONCURRENCY" --duration "$DURATION" --warmup 1s \
	--body-file "$req/getAllOAuthApplicationData.xml" "${all_headers[@]}" --user admin --password admin --rss-pid "$isadmin_pid"
soap getAllOAuthApplicationData "$req/getAllOAuthApplicationData.xml" "$work/all.xml"
listed=$(grep -o '<[A-Za-z0-9]*:oauthConsumerKey>' "$work/all.xml" | wc -l)
log "getAllOAuthApplicationData lists $listed clients"
if [[ $listed != 10000 ]]; then
	echo "the memory test expected 10000 clients in the list, got $listed" >&2
	exit 1
fi

fi

# --- 5. slow readers: 64 stalled listings of 10 000 clients ---------------

if want 5; then
log "64 connections stalled on getAllOAuthApplicationData of 10 000 clients"
stalled=(--stalled 64 --stalled-body-file "$req/getAllOAuthApplicationData.xml")
for h in "${all_headers[@]}"; do
	[[ $h == --header ]] || stalled+=(--stalled-header "$h")
done
bench stalled-get/isadmin 1 --url "$oauth" "${common[@]}" "${stalled[@]}" \
	--body-file "$req/getOAuthApplicationData.xml" "${get_headers[@]}" --user admin --password admin
bench stalled-register/isadmin 1 --url "$oauth" "${common[@]}" "${stalled[@]}" \
	--template "$req/registerOAuthApplicationData.tmpl.xml" "${reg_headers[@]}" --user admin --password admin
fi
if want 4 || want 5; then
	stop "$isadmin_pid"
fi

# --- 6. PostgreSQL beside SQLite; 1, 2 and 3 instances on one database ----

pg_base=${PG_URL%%\?*}
pg_db=${pg_base%/*}/isadmin_bench
[[ $PG_URL == *\?* ]] && pg_db+="?${PG_URL#*\?}"
if ! want 6; then
	:
elif psql -q "$PG_URL" -c 'DROP DATABASE IF EXISTS isadmin_bench' -c 'CREATE DATABASE isadmin_bench' 2>>"$work/psql.log"; then
	log "PostgreSQL: $PG_CLIENTS OAuth clients and $total store applications in SQLite and in PostgreSQL"
	pg_port=$((PORT_ISADMIN + 10))
	# Every instance reads the key file of data-pg, made on the first start.
	pg_args=(--database-url "$pg_db")
	# The SQLite deployment: as for map-keys, with the clients of the gets.
	start_isadmin "$work/data-lite"
	soap registerOAuthApplicationData "$req/register-bench-client.xml"
	lite_app=$(curl -sf -u admin:admin -H 'Content-Type: application/json' "$store/applications" \
		--data-binary "@$req/store-application.json" | jq -r .applicationId)
	stop "$isadmin_pid"
	"$work/seed" oauth --db "$work/data-lite/isadmin.db" --template-key bench-client-id --count "$PG_CLIENTS" --prefix pg-
	"$work/seed" store --db "$work/data-lite/isadmin.db" --template-uuid "$lite_app" --count "$total" --prefix mk- --out "$work/lite-apps.txt"
	# The PostgreSQL deployment: the same rows, copied by SQL; the secrets
	# are written in plain text, and the next start seals them.
	start_isadmin "$work/data-pg" "$pg_port" "${pg_args[@]}"
	curl -sf -o /dev/null -u admin:admin "http://127.0.0.1:$pg_port/services/OAuthAdminService" -H 'Content-Type: text/xml; charset=UTF-8' \
		-H 'SOAPAction: "urn:registerOAuthApplicationData"' --data-binary "@$req/register-bench-client.xml"
	pg_app=$(curl -sf -u admin:admin -H 'Content-Type: application/json' "http://127.0.0.1:$pg_port/api/am/devportal/v3/applications" \
		--data-binary "@$req/store-application.json" | jq -r .applicationId)
	stop "$isadmin_pid"
	psql -q "$pg_db" -v ON_ERROR_STOP=1 \
		-c "INSERT INTO oauth_apps (tenant_id, owner, name, consumer_key, consumer_secret, callback_url, grant_types, oauth_version, state, settings, created_at, updated_at)
			SELECT tenant_id, owner, 'pg-' || g, 'pg-' || g, 'plain:bench-client-secret', callback_url, grant_types, oauth_version, state, settings, created_at, updated_at
			FROM oauth_apps, generate_series(0, $PG_CLIENTS - 1) g WHERE consumer_key = 'bench-client-id'" \
		-c "INSERT INTO store_applications (uuid, tenant_id, owner, name, throttling_policy, description, token_type, callback_url, status, group_ids, attributes, created_at, updated_at)
			SELECT gen_random_uuid()::text, tenant_id, owner, 'mk-' || g, throttling_policy, description, token_type, callback_url, status, group_ids, attributes, created_at, updated_at
			FROM store_applications, generate_series(0, $total - 1) g WHERE uuid = '$pg_app'" \
		-c 'ANALYZE'
	psql -qAt "$pg_db" -c "SELECT uuid || ' ' || name FROM store_applications WHERE name LIKE 'mk-%' ORDER BY id" >"$work/pg-apps.txt"
	shuf -i 0-$((PG_CLIENTS - 1)) | sed 's/^/pg-/' >"$work/pg-keys.txt"
	# map-keys maps client pg-i to application mk-i, a fresh pair per request.
	for side in lite pg; do
		sed 's/ mk-\([0-9]*\)$/ pg-\1/' "$work/$side-apps.txt" | shuf >"$work/$side-mapkeys.txt"
	done

	start_isadmin "$work/data-lite"
	lite_pid=$isadmin_pid
	start_isadmin "$work/data-pg" "$pg_port" "${pg_args[@]}"
	pg_pid=$isadmin_pid
	mapfile -t login_headers < <(soap_headers login)
	for ((r = 1; r <= ROUNDS; r++)); do
		for side in lite pg; do
			base=$isadmin_url
			[[ $side == pg ]] && base=http://127.0.0.1:$pg_port
			name=sqlite
			[[ $side == pg ]] && name=postgres
			bench "pg-get/$name" "$r" --url "$base/services/OAuthAdminService" "${common[@]}" \
				--template "$req/getOAuthApplicationData.tmpl.xml" --values "$work/pg-keys.txt" "${get_headers[@]}" --user admin --password admin
			bench "pg-register/$name" "$r" --url "$base/services/OAuthAdminService" "${common[@]}" \
				--template "$req/registerOAuthApplicationData.tmpl.xml" "${reg_headers[@]}" --user admin --password admin
			bench "pg-login/$name" "$r" --url "$base/services/AuthenticationAdmin" "${common[@]}" \
				--body-file "$req/login.xml" "${login_headers[@]}"
			sed -n "$(((r - 1) * MAPKEYS_PER_ROUND + 1)),$((r * MAPKEYS_PER_ROUND))p" "$work/$side-mapkeys.txt" >"$work/$side-mapkeys-$r.txt"
			bench "pg-mapkeys/$name" "$r" --url "$base/api/am/devportal/v3/applications/{{index .Fields 0}}/map-keys" "${common[@]}" \
				--template "$req/map-keys.tmpl.json" --values "$work/$side-mapkeys-$r.txt" --values-once \
				--header 'Content-Type: application/json' --user admin --password admin
		done
	done
	stop "$lite_pid"

	log "1, 2 and 3 instances on one PostgreSQL database"
	start_isadmin "$work/data-pg" $((pg_port + 1)) "${pg_args[@]}"
	start_isadmin "$work/data-pg" $((pg_port + 2)) "${pg_args[@]}"
	for ((r = 1; r <= ROUNDS; r++)); do
		for n in 1 2 3; do
			urls=()
			for ((i = 0; i < n; i++)); do
				urls+=("\"http://127.0.0.1:$((pg_port + i))/services/OAuthAdminService\"")
			done
			spread="{{pick .Worker ${urls[*]}}}"
			bench "instances-get/$n" "$r" --url "$spread" "${common[@]}" \
				--template "$req/getOAuthApplicationData.tmpl.xml" --values "$work/pg-keys.txt" "${get_headers[@]}" --user admin --password admin
			bench "instances-register/$n" "$r" --url "$spread" "${common[@]}" \
				--template "$req/registerOAuthApplicationData.tmpl.xml" "${reg_headers[@]}" --user admin --password admin
		done
	done
	for pid in "${started[@]}"; do
		stop "$pid"
	done
	psql -q "$PG_URL" -c 'DROP DATABASE IF EXISTS isadmin_bench' 2>>"$work/psql.log" || true
else
	log "PostgreSQL at $PG_URL cannot be reached (see psql's message above): section 6 skipped"
	cat "$work/psql.log" >&2
fi

# --- 7. cold start ----------------------------------------------------------

want 7 && bench coldstart/isadmin 1 --kind cold-start --binary "$work/isadmin" --runs "$COLD_STARTS" --dir "$work"

# --- 8. tokens ---------------------------------------------------------------

if want 8; then
log "tokens: one client, its active token"
start_isadmin "$work/data-tokens"
soap registerOAuthApplicationData "$req/register-token-client.xml"
token_url=$isadmin_url/oauth2/token
form=(--header 'Content-Type: application/x-www-form-urlencoded')
curl -sf -u token-client-id:token-client-secret "$token_url" --data-binary "@$req/token-client-credentials.form" \
	-H 'Content-Type: application/x-www-form-urlencoded' -o "$work/token.json"
cp "$work/token.json" "$out/token.response.json"
printf 'token=%s' "$(jq -r .access_token "$work/token.json")" >"$work/introspect.form"
# The bare handler writes the token endpoint's answer with its headers.
"$work/bare" --addr "127.0.0.1:$PORT_BARE" --response "$work/token.json" --content-type 'application/json' \
	--header 'Cache-Control: no-store' --header 'Pragma: no-cache' 2>>"$work/bare.log" &
bare_pid=$!
started+=("$bare_pid")
wait_for "http://127.0.0.1:$PORT_BARE/"
mkdir -p "$work/sqlite-tokens"
for ((r = 1; r <= ROUNDS; r++)); do
	bench token-reuse/isadmin "$r" --url "$token_url" "${common[@]}" "${form[@]}" \
		--body-file "$req/token-client-credentials.form" --user token-client-id --password token-client-secret
	bench introspect/isadmin "$r" --url "$isadmin_url/oauth2/introspect" "${common[@]}" "${form[@]}" \
		--body-file "$work/introspect.form" --user admin --password admin
	bench token/bare "$r" --url "http://127.0.0.1:$PORT_BARE/oauth2/token" "${common[@]}" "${form[@]}" \
		--body-file "$req/token-client-credentials.form" --user token-client-id --password token-client-secret
	bench token-new/isadmin "$r" --url "$token_url" "${common[@]}" "${form[@]}" \
		--template "$req/token-new.tmpl.form" --user token-client-id --password token-client-secret
	bench commit/sqlite-tokens "$r" --kind sqlite-commits --dir "$work/sqlite-tokens" "${common[@]}"
done
stop "$bare_pid"
stop "$isadmin_pid"
fi

"$work/report" --dir "$out"
log "wrote $out/results.md and $out/chart.png"
