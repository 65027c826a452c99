#!/usr/bin/env bash
# Starts or stops Debian's clickhouse-server on loopback for the tests: one single server and
# a 2-shard cluster (two processes), each with its own ports and data folder under DIR.
#   .ci/clickhouse.sh start DIR BASE_PORT     prints the env lines the tests read
#   .ci/clickhouse.sh cluster DIR BASE_PORT   the 2-shard cluster alone (a test that stops a shard)
#   .ci/clickhouse.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?DIR}

config() { # name http tcp interserver
  local d="$dir/$1"; mkdir -p "$d/data" "$d/tmp" "$d/user_files" "$d/log"
  cat > "$d/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$d/log/server.log</log><errorlog>$d/log/err.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>$2</http_port>
  <tcp_port>$3</tcp_port>
  <interserver_http_port>$4</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>256</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>50</max_concurrent_queries>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <mark_cache_size>67108864</mark_cache_size>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/user_files/</user_files_path>
  <users_config>/etc/clickhouse-server/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <remote_servers>
    <cairn_two_shards>
      <shard><replica><host>127.0.0.1</host><port>$SHARD1_TCP</port></replica></shard>
      <shard><replica><host>127.0.0.1</host><port>$SHARD2_TCP</port></replica></shard>
    </cairn_two_shards>
  </remote_servers>
</yandex>
XML
}

start_one() { # name
  local d="$dir/$1"
  clickhouse-server --config-file="$d/config.xml" > "$d/log/stdout.log" 2>&1 &
  echo $! > "$d/pid"
}

wait_tcp() { # port: until the server answers a query on its native port
  for _ in $(seq 1 150); do
    if clickhouse-client --host 127.0.0.1 --port "$1" --query 'SELECT 1' > /dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "clickhouse-server on port $1 did not start; its log:" >&2
  cat "$dir"/*/log/err.log >&2 2> /dev/null || true
  return 1
}

case "$cmd" in
  start)
    base=${3:?BASE_PORT}
    SHARD1_TCP=$((base + 11)); SHARD2_TCP=$((base + 21))
    config single $((base + 0)) $((base + 1)) $((base + 2))
    config shard1 $((base + 10)) $SHARD1_TCP $((base + 12))
    config shard2 $((base + 20)) $SHARD2_TCP $((base + 22))
    for s in single shard1 shard2; do start_one $s; done
    for p in $((base + 1)) $SHARD1_TCP $SHARD2_TCP; do wait_tcp $p; done
    echo "CAIRN_CLICKHOUSE_URL=http://127.0.0.1:$((base + 0))"
    echo "CAIRN_CLICKHOUSE_CLUSTER_URLS=http://127.0.0.1:$((base + 10)),http://127.0.0.1:$((base + 20))"
    echo "CAIRN_CLICKHOUSE_CLUSTER=cairn_two_shards"
    ;;
  cluster)
    base=${3:?BASE_PORT}
    SHARD1_TCP=$((base + 11)); SHARD2_TCP=$((base + 21))
    config shard1 $((base + 10)) $SHARD1_TCP $((base + 12))
    config shard2 $((base + 20)) $SHARD2_TCP $((base + 22))
    for s in shard1 shard2; do start_one $s; done
    for p in $SHARD1_TCP $SHARD2_TCP; do wait_tcp $p; done
    echo "CAIRN_CLICKHOUSE_CLUSTER_URLS=http://127.0.0.1:$((base + 10)),http://127.0.0.1:$((base + 20))"
    ;;
  stop)
    for s in single shard1 shard2; do
      if [ -f "$dir/$s/pid" ]; then kill "$(cat "$dir/$s/pid")" 2> /dev/null || true; fi
    done
    for s in single shard1 shard2; do
      if [ -f "$dir/$s/pid" ]; then
        pid=$(cat "$dir/$s/pid")
        for _ in $(seq 1 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.2; done
        kill -9 "$pid" 2> /dev/null || true
        rm -f "$dir/$s/pid"
      fi
    done
    ;;
  *) echo "usage: $0 start DIR BASE_PORT | stop DIR" >&2; exit 2 ;;
esac
