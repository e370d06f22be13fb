#!/bin/bash
# ChordFS node user data (cloud-init runs it once, as root, on first boot).
# deploy.jar fills in the two placeholders below when it writes the launch template:
#   __CHORDFS_ASG_NAME__        the Auto Scaling group's name
#   __CHORDFS_CLUSTER_SECRET__  the cluster secret deploy generated (never printed)
# The AMI carries the node at /opt/chordfs/node-daemon.jar (see userdata/README.md).
set -euo pipefail

ASG_NAME='__CHORDFS_ASG_NAME__'
JAR=/opt/chordfs/node-daemon.jar
DATA_DIR=/var/lib/chordfs

# Java 17 or newer, installed only when missing.
java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }
if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ]; then
  if command -v dnf >/dev/null 2>&1; then
    dnf install -y java-17-amazon-corretto-headless
  elif command -v yum >/dev/null 2>&1; then
    yum install -y java-17-amazon-corretto-headless
  elif command -v apt-get >/dev/null 2>&1; then
    apt-get update -y
    DEBIAN_FRONTEND=noninteractive apt-get install -y openjdk-17-jre-headless
  else
    echo "chordfs user data: no package manager found to install Java 17" >&2
    exit 1
  fi
fi

if [ ! -f "$JAR" ]; then
  echo "chordfs user data: $JAR is missing; bake it into the AMI (userdata/README.md)" >&2
  exit 1
fi

id chordfs >/dev/null 2>&1 || useradd --system --home-dir "$DATA_DIR" --shell /usr/sbin/nologin chordfs
install -d -o chordfs -g chordfs -m 0750 "$DATA_DIR"
install -d -o root -g root -m 0755 /etc/chordfs

# The secret lives only in this root-readable file; systemd hands it to the node.
umask 077
cat > /etc/chordfs/chordfs.env <<'ENV'
CHORDFS_CLUSTER_SECRET=__CHORDFS_CLUSTER_SECRET__
ENV
chmod 0600 /etc/chordfs/chordfs.env
umask 022

cat > /etc/systemd/system/chordfs-node.service <<UNIT
[Unit]
Description=ChordFS node
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=chordfs
Group=chordfs
EnvironmentFile=/etc/chordfs/chordfs.env
Environment=LANG=C.UTF-8
Environment=LC_ALL=C.UTF-8
ExecStart=/usr/bin/env java -jar $JAR run --aws --asg $ASG_NAME --data-dir $DATA_DIR
Restart=on-failure
RestartSec=5
# SIGTERM starts the graceful drain (hand data over, leave the ring); its default bound is
# 120 s, so give it that plus margin before systemd resorts to SIGKILL.
KillSignal=SIGTERM
TimeoutStopSec=180
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
UNIT

systemctl daemon-reload
systemctl enable --now chordfs-node.service
