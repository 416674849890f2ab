#!/usr/bin/env bash
# Test hosts on one machine: each is a network namespace with its own address on a private
# subnet (veth pairs joined by a bridge in this namespace, which reaches them all) and an
# sshd of its own, with a throwaway host key and a client key made for it.
#
#   scripts/netns-hosts.sh up FOLDER [--delay 1ms] NAME...   # e.g. backend server client
#   scripts/netns-hosts.sh down FOLDER                       # stops everything, removes all
#   scripts/netns-hosts.sh pids FOLDER                       # "NAME PID COMMAND" of every process in them
#
# `up` writes FOLDER/ssh_config (a Host entry per NAME: `ssh -F FOLDER/ssh_config NAME`),
# FOLDER/hosts (NAME ADDRESS per line, and "local ADDRESS" for this side of the bridge) and
# FOLDER/state (what `down` removes). `down` kills every process left in the namespaces and
# is safe to run twice, or after a half-finished `up`. Needs root, iproute2 and openssh-server;
# `--delay` needs tc (iproute2) and the sch_netem kernel module.
set -euo pipefail

die() { echo "netns-hosts: $*" >&2; exit 1; }

command=${1:-}
folder=${2:-}
[ -n "$command" ] && [ -n "$folder" ] || die "usage: $0 up|down|pids FOLDER [--delay D] NAME..."
shift 2

state_file="$folder/state"

namespaces() {
  [ -f "$state_file" ] || return 0
  sed -n 's/^ns //p' "$state_file"
}

down() {
  [ -f "$state_file" ] || return 0
  local ns pid
  for ns in $(namespaces); do
    if ip netns list | grep -qw "$ns"; then
      # Everything in the namespace is ours: sshd and what it started.
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
      for _ in $(seq 50); do
        [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
        sleep 0.1
      done
      ip netns delete "$ns" 2>/dev/null || true
    fi
  done
  local bridge
  bridge=$(sed -n 's/^bridge //p' "$state_file")
  if [ -n "$bridge" ]; then ip link delete "$bridge" 2>/dev/null || true; fi
  rm -f "$state_file"
}

pids() {
  local ns name pid
  for ns in $(namespaces); do
    name=${ns##*-}
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      echo "$name $pid $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)"
    done
  done
}

up() {
  local delay=""
  local names=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --delay) delay=${2:?--delay needs a value such as 1ms}; shift 2 ;;
      *) names+=("$1"); shift ;;
    esac
  done
  [ ${#names[@]} -gt 0 ] || die "name at least one host"
  [ "$(id -u)" -eq 0 ] || die "network namespaces need root (run as root, or in CI, which is root)"
  command -v ip >/dev/null || die "ip is missing: apt-get install iproute2"
  [ -x /usr/sbin/sshd ] || die "sshd is missing: apt-get install openssh-server"
  [ -z "$delay" ] || command -v tc >/dev/null || die "tc is missing: apt-get install iproute2"
  mkdir -p "$folder"
  folder=$(cd "$folder" && pwd)
  state_file="$folder/state"
  [ ! -f "$state_file" ] || die "$folder already holds hosts; run '$0 down $folder' first"

  # A subnet no interface here uses, and names no other fixture uses.
  local id subnet
  id=$(printf '%04x%02x' "$$" "$RANDOM" | tail -c 6)
  for _ in $(seq 50); do
    subnet="10.$((200 + RANDOM % 50)).$((RANDOM % 250))"
    ip -o -4 addr show | grep -q " $subnet\." || break
  done
  local bridge="rgbr$id"
  : > "$state_file"
  echo "bridge $bridge" >> "$state_file"
  trap 'down; exit 1' ERR INT TERM

  ip link add "$bridge" type bridge
  ip addr add "$subnet.1/24" dev "$bridge"
  ip link set "$bridge" up
  mkdir -p /run/sshd

  local home
  home=$(getent passwd "$(id -un)" | cut -d: -f6)
  : > "$folder/empty-bashrc"
  ssh-keygen -q -t ed25519 -N '' -C reportgen-test -f "$folder/id_ed25519" <<< y >/dev/null
  cp "$folder/id_ed25519.pub" "$folder/authorized_keys"
  : > "$folder/known_hosts"
  : > "$folder/ssh_config"
  echo "local $subnet.1" > "$folder/hosts"

  local index=2 name ns address
  for name in "${names[@]}"; do
    [[ "$name" =~ ^[a-z][a-z0-9]*$ ]] || die "host names are lower-case letters and digits: '$name'"
    ns="rg$id-$name"
    address="$subnet.$index"
    echo "ns $ns" >> "$state_file"
    ip netns add "$ns"
    ip link add "rgv$id$index" type veth peer name "rgp$id$index"
    ip link set "rgv$id$index" master "$bridge" up
    ip link set "rgp$id$index" netns "$ns"
    ip -n "$ns" link set "rgp$id$index" name eth0
    ip -n "$ns" addr add "$address/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    if [ -n "$delay" ]; then
      ip netns exec "$ns" tc qdisc add dev eth0 root netem delay "$delay" 2>/dev/null \
        || die "tc cannot add a netem delay here: this kernel lacks sch_netem (modprobe sch_netem), or leave out --delay"
    fi

    mkdir -p "$folder/$name"
    ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$folder/$name/host_key" <<< y >/dev/null
    cat > "$folder/$name/sshd_config" <<EOF
ListenAddress $address
Port 22
HostKey $folder/$name/host_key
PidFile $folder/$name/sshd.pid
AuthorizedKeysFile $folder/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxSessions 200
MaxStartups 200:30:400
EOF
    # The hosts start clean: the login's ~/.bashrc (which a non-interactive bash under
    # sshd reads) is hidden behind an empty file in sshd's own mount namespace, so a
    # heavy one here (pyenv init takes a lock on every shell) does not slow or stall them.
    ip netns exec "$ns" sh -c '
      if [ -f "$1" ]; then mount --bind "$2" "$1" || exit 1; fi
      exec /usr/sbin/sshd -f "$3" -E "$4"' sh "$home/.bashrc" "$folder/empty-bashrc" "$folder/$name/sshd_config" "$folder/$name/sshd.log"
    echo "$address $(cut -d' ' -f1,2 "$folder/$name/host_key.pub")" >> "$folder/known_hosts"
    cat >> "$folder/ssh_config" <<EOF
Host $name
  HostName $address
  User $(id -un)
  IdentityFile $folder/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $folder/known_hosts
  StrictHostKeyChecking yes
  ConnectTimeout 5

EOF
    echo "$name $address" >> "$folder/hosts"
    index=$((index + 1))
  done

  # Every sshd answers before `up` returns.
  for name in "${names[@]}"; do
    for attempt in $(seq 50); do
      ssh -F "$folder/ssh_config" -o BatchMode=yes "$name" true 2>/dev/null && break
      [ "$attempt" -lt 50 ] || die "sshd on $name does not answer: $(tail -5 "$folder/$name/sshd.log")"
      sleep 0.1
    done
  done
  trap - ERR INT TERM
}

case "$command" in
  up) up "$@" ;;
  down) down ;;
  pids) pids ;;
  *) die "unknown command '$command': up, down or pids" ;;
esac
