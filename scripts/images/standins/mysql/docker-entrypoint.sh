#!/bin/bash
# The official mysql image's entrypoint contract on MariaDB (stand-in, scripts/images/standins):
#   MYSQL_ROOT_PASSWORD | MYSQL_ALLOW_EMPTY_PASSWORD | MYSQL_RANDOM_ROOT_PASSWORD (one required),
#   MYSQL_ROOT_HOST (default %), MYSQL_DATABASE, MYSQL_USER + MYSQL_PASSWORD (all on the database),
#   each also as <NAME>_FILE; /docker-entrypoint-initdb.d/*.sh (sourced, or run when executable),
#   *.sql, *.sql.gz, *.sql.xz, *.sql.zst, run once on an empty /var/lib/mysql. Arguments that
#   start with '-' go to mysqld; as root it drops to the mysql user (999), as any other uid it
#   runs as that uid (a pod's runAsUser).
set -eo pipefail
shopt -s nullglob

mysql_log() {
  local type=$1
  shift
  printf '%s [%s] [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$type" "$*"
}
mysql_note() { mysql_log Note "$@"; }
mysql_warn() { mysql_log Warn "$@" >&2; }
mysql_error() {
  mysql_log ERROR "$@" >&2
  exit 1
}

# file_env VAR [default]: VAR from itself or from the file VAR_FILE names (not both).
file_env() {
  local var=$1 file_var="${1}_FILE" def=${2:-} val
  if [ "${!var:-}" ] && [ "${!file_var:-}" ]; then
    mysql_error "both $var and $file_var are set (but are exclusive)"
  fi
  val=$def
  if [ "${!var:-}" ]; then
    val=${!var}
  elif [ "${!file_var:-}" ]; then
    val=$(<"${!file_var}")
  fi
  export "$var"="$val"
  unset "$file_var"
}

_mysql_want_help() {
  local arg
  for arg; do
    case "$arg" in
      -'?' | --help | --print-defaults | -V | --version) return 0 ;;
    esac
  done
  return 1
}

mysql_get_config() {
  local conf=$1
  shift
  # awk reads to the end: exiting at the match would SIGPIPE the server's help (status 141
  # under pipefail), at random with the length of the output.
  "$@" --verbose --help 2>/dev/null |
    awk -v conf="$conf" '!found && $1 == conf && /^[^ \t]/ { sub(/^[^ \t]+[ \t]+/, ""); print; found = 1 }'
}

mysql_check_config() {
  local err
  if ! err=$("$@" --verbose --help 2>&1 >/dev/null); then
    mysql_error "mysqld failed while attempting to check config: $*" "$err"
  fi
}

docker_setup_env() {
  DATADIR=$(mysql_get_config datadir "$@")
  SOCKET=$(mysql_get_config socket "$@")
  file_env MYSQL_ROOT_HOST '%'
  file_env MYSQL_DATABASE
  file_env MYSQL_USER
  file_env MYSQL_PASSWORD
  file_env MYSQL_ROOT_PASSWORD
  DATABASE_ALREADY_EXISTS=
  if [ -d "$DATADIR/mysql" ]; then DATABASE_ALREADY_EXISTS=true; fi
}

docker_verify_minimum_env() {
  if [ -z "$MYSQL_ROOT_PASSWORD" ] && [ -z "${MYSQL_ALLOW_EMPTY_PASSWORD:-}" ] && [ -z "${MYSQL_RANDOM_ROOT_PASSWORD:-}" ]; then
    mysql_error $'Database is uninitialized and password option is not specified\n\tYou need to specify one of the following as an environment variable:\n\t- MYSQL_ROOT_PASSWORD\n\t- MYSQL_ALLOW_EMPTY_PASSWORD\n\t- MYSQL_RANDOM_ROOT_PASSWORD'
  fi
  if [ "$MYSQL_USER" = root ]; then
    mysql_error $'MYSQL_USER="root", MYSQL_USER and MYSQL_PASSWORD are for configuring a regular user and cannot be used for the root user\n\tRemove MYSQL_USER="root" and use one of the following to control the root user password:\n\t- MYSQL_ROOT_PASSWORD\n\t- MYSQL_ALLOW_EMPTY_PASSWORD\n\t- MYSQL_RANDOM_ROOT_PASSWORD'
  fi
  if [ -n "$MYSQL_USER" ] && [ -z "$MYSQL_PASSWORD" ]; then
    mysql_warn 'MYSQL_USER specified, but missing MYSQL_PASSWORD; MYSQL_USER will not be created'
  elif [ -z "$MYSQL_USER" ] && [ -n "$MYSQL_PASSWORD" ]; then
    mysql_warn 'MYSQL_PASSWORD specified, but missing MYSQL_USER; MYSQL_PASSWORD will be ignored'
  fi
}

docker_create_db_directories() {
  mkdir -p "$DATADIR"
  if [ "$(id -u)" = 0 ]; then
    find "$DATADIR" \! -user mysql -exec chown mysql: '{}' +
    chown mysql: "$(dirname "$SOCKET")"
  fi
}

docker_init_database_dir() {
  mysql_note 'Initializing database files'
  mariadb-install-db --datadir="$DATADIR" --rpm --skip-test-db --auth-root-authentication-method=normal \
    --default-time-zone=SYSTEM --enforce-storage-engine= --skip-log-bin --expire-logs-days=0 \
    --loose-innodb_buffer_pool_load_at_startup=0 --loose-innodb_buffer_pool_dump_at_shutdown=0 \
    "${@:2}"
  mysql_note 'Database files initialized'
}

# docker_process_sql [mysql options]: SQL on stdin, as root over the socket.
# Once root has its password (docker_setup_db), the client must give it: through an option file
# on a pipe, so it never shows in the process list. (The server-stubbed tests do not check logins;
# without this every statement after the ALTER USER was refused on a real server.)
docker_process_sql() {
  if [ -n "$MYSQL_DATABASE" ]; then set -- --database="$MYSQL_DATABASE" "$@"; fi
  if [ -n "${ROOT_PASSWORD_SET:-}" ]; then
    local escaped=${MYSQL_ROOT_PASSWORD//\\/\\\\}
    mariadb --defaults-extra-file=<(printf '[client]\npassword="%s"\n' "${escaped//\"/\\\"}") \
      --protocol=socket -uroot -hlocalhost --socket="$SOCKET" --comments "$@"
  else
    mariadb --protocol=socket -uroot -hlocalhost --socket="$SOCKET" --comments "$@"
  fi
}

docker_temp_server_start() {
  "$@" --skip-networking --default-time-zone=SYSTEM --socket="$SOCKET" \
    --loose-innodb_buffer_pool_load_at_startup=0 &
  MYSQL_TEMP_PID=$!
  mysql_note "Waiting for server startup"
  local i
  for i in {30..0}; do
    if docker_process_sql --database=mysql <<<'SELECT 1' &>/dev/null; then break; fi
    if ! kill -0 "$MYSQL_TEMP_PID" 2>/dev/null; then mysql_error 'Unable to start server.'; fi
    sleep 1
  done
  if [ "$i" = 0 ]; then mysql_error 'Unable to start server.'; fi
}

docker_temp_server_stop() {
  mariadb-admin shutdown -uroot --password="${MYSQL_ROOT_PASSWORD}" --socket="$SOCKET"
  wait "$MYSQL_TEMP_PID" || true
}

docker_sql_escape_string_literal() {
  local newline=$'\n' escaped=${1//\\/\\\\}
  escaped=${escaped//$newline/\\n}
  echo "${escaped//\'/\\\'}"
}

docker_setup_db() {
  if [ -z "${MYSQL_INITDB_SKIP_TZINFO:-}" ]; then
    mariadb-tzinfo-to-sql /usr/share/zoneinfo | docker_process_sql --database=mysql
  fi
  if [ -n "${MYSQL_RANDOM_ROOT_PASSWORD:-}" ]; then
    MYSQL_ROOT_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
    export MYSQL_ROOT_PASSWORD
    mysql_note "GENERATED ROOT PASSWORD: $MYSQL_ROOT_PASSWORD"
  fi
  local root_password rootCreate=
  root_password=$(docker_sql_escape_string_literal "$MYSQL_ROOT_PASSWORD")
  if [ -n "$MYSQL_ROOT_HOST" ] && [ "$MYSQL_ROOT_HOST" != localhost ]; then
    rootCreate="CREATE USER 'root'@'${MYSQL_ROOT_HOST}' IDENTIFIED BY '${root_password}';
      GRANT ALL ON *.* TO 'root'@'${MYSQL_ROOT_HOST}' WITH GRANT OPTION;
      GRANT PROXY ON ''@'%' TO 'root'@'${MYSQL_ROOT_HOST}' WITH GRANT OPTION;"
  fi
  docker_process_sql --database=mysql --binary-mode <<-EOSQL
		SET @@SESSION.SQL_LOG_BIN=0;
		DROP USER IF EXISTS ''@'localhost', ''@'%';
		ALTER USER 'root'@'localhost' IDENTIFIED BY '${root_password}';
		${rootCreate}
		DROP DATABASE IF EXISTS test;
		FLUSH PRIVILEGES;
	EOSQL
  ROOT_PASSWORD_SET=1
  if [ -n "$MYSQL_DATABASE" ]; then
    mysql_note "Creating database ${MYSQL_DATABASE}"
    docker_process_sql --database=mysql <<<"CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\` ;"
  fi
  if [ -n "$MYSQL_USER" ] && [ -n "$MYSQL_PASSWORD" ]; then
    mysql_note "Creating user ${MYSQL_USER}"
    local user_password
    user_password=$(docker_sql_escape_string_literal "$MYSQL_PASSWORD")
    docker_process_sql --database=mysql <<<"CREATE USER '$MYSQL_USER'@'%' IDENTIFIED BY '$user_password' ;"
    if [ -n "$MYSQL_DATABASE" ]; then
      mysql_note "Giving user ${MYSQL_USER} access to schema ${MYSQL_DATABASE}"
      docker_process_sql --database=mysql <<<"GRANT ALL ON \`${MYSQL_DATABASE//_/\\_}\`.* TO '$MYSQL_USER'@'%' ;"
    fi
  fi
}

# docker_process_init_files file...: what the official image runs from /docker-entrypoint-initdb.d.
docker_process_init_files() {
  # Sourced init scripts may run "${mysql[@]}": SQL as root, through the socket.
  # shellcheck disable=SC2034
  mysql=(docker_process_sql)
  echo
  local f
  for f; do
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then
          mysql_note "$0: running $f"
          "$f"
        else
          mysql_note "$0: sourcing $f"
          # shellcheck disable=SC1090
          . "$f"
        fi
        ;;
      *.sql)
        mysql_note "$0: running $f"
        docker_process_sql <"$f"
        echo
        ;;
      *.sql.gz)
        mysql_note "$0: running $f"
        gunzip -c "$f" | docker_process_sql
        echo
        ;;
      *.sql.xz)
        mysql_note "$0: running $f"
        xzcat "$f" | docker_process_sql
        echo
        ;;
      *.sql.zst)
        mysql_note "$0: running $f"
        zstd -dc "$f" | docker_process_sql
        echo
        ;;
      *) mysql_warn "$0: ignoring $f" ;;
    esac
    echo
  done
}

_main() {
  if [ "${1:0:1}" = '-' ]; then set -- mysqld "$@"; fi
  if { [ "$1" = mysqld ] || [ "$1" = mariadbd ]; } && ! _mysql_want_help "$@"; then
    mysql_note "Entrypoint script for the MySQL stand-in (MariaDB $("$1" --version | sed -n 's/.*Ver \([^ ]*\).*/\1/p')) started."
    mysql_check_config "$@"
    docker_setup_env "$@"
    docker_create_db_directories
    if [ "$(id -u)" = 0 ]; then
      mysql_note "Switching to dedicated user 'mysql'"
      exec gosu mysql "${BASH_SOURCE[0]}" "$@"
    fi
    if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
      docker_verify_minimum_env
      ls /docker-entrypoint-initdb.d/ >/dev/null
      docker_init_database_dir "$@"
      mysql_note "Starting temporary server"
      docker_temp_server_start "$@"
      mysql_note "Temporary server started."
      docker_setup_db
      docker_process_init_files /docker-entrypoint-initdb.d/*
      mysql_note "Stopping temporary server"
      docker_temp_server_stop
      mysql_note "Temporary server stopped"
      echo
      mysql_note "MySQL init process done. Ready for start up."
      echo
    fi
  fi
  exec "$@"
}

_main "$@"
