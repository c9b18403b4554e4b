//! Failover of the database itself: a primary with a synchronous standby
//! (two private PostgreSQL instances on free ports, streaming replication,
//! `synchronous_commit = on`), rekey nodes given both hosts
//! (`target_session_attrs=read-write`). The primary is killed (SIGKILL)
//! under a write load and the standby promoted: the nodes carry on against
//! it, every write acknowledged before, during and after is there, and the
//! window of errors is measured.

mod common;

use common::databases::required;
use common::{Server, token};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup).
fn bin_dir() -> Option<PathBuf> {
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    let dir = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    if dir.join("initdb").exists() {
        return Some(dir);
    }
    // Debian keeps them out of PATH, under a versioned directory.
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|d| d.join("initdb").exists())
        .collect();
    found.sort();
    found.pop()
}

fn root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// `program` as the `postgres` user when the tests run as root (the
/// server refuses to run as root).
fn postgres_cmd(bin: &Path, program: &str) -> Command {
    if root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(program));
        c
    } else {
        Command::new(bin.join(program))
    }
}

fn run(mut c: Command, what: &str) {
    let out = c.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A private PostgreSQL instance, stopped at once when dropped.
struct Instance {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl Instance {
    fn psql(&self, sql: &str) -> String {
        let out = Command::new("psql")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", "-d", "postgres", "-AtXc", sql])
            .output()
            .expect("psql");
        assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn start(&self) {
        let mut c = postgres_cmd(&self.bin, "pg_ctl");
        c.args(["-D"]).arg(&self.dir).args(["-l"]).arg(self.dir.with_extension("log")).args(["-w", "start"]);
        run(c, "pg_ctl start");
    }

    /// SIGKILL of the postmaster: a crash, not a shutdown.
    fn kill(&self) {
        let pid = std::fs::read_to_string(self.dir.join("postmaster.pid")).expect("postmaster.pid");
        let pid: i32 = pid.lines().next().unwrap().trim().parse().unwrap();
        // SAFETY: kill has no memory preconditions.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let mut c = postgres_cmd(&self.bin, "pg_ctl");
        c.args(["-D"]).arg(&self.dir).args(["-m", "immediate", "stop"]);
        let _ = c.output();
    }
}

/// A primary and its synchronous standby, in `root`.
fn pair(bin: &Path, root_dir: &Path) -> (Instance, Instance) {
    if root() {
        // The server's user must own its directories.
        run(
            {
                let mut c = Command::new("chown");
                c.args(["postgres:postgres"]).arg(root_dir);
                c
            },
            "chown",
        );
    }
    let primary = Instance { bin: bin.to_path_buf(), dir: root_dir.join("primary"), port: free_port() };
    let mut c = postgres_cmd(bin, "initdb");
    c.args(["-D"]).arg(&primary.dir).args(["-U", "postgres", "--auth=trust", "--no-sync"]);
    run(c, "initdb");
    let conf = format!(
        "port = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\nwal_level = replica\nmax_wal_senders = 4\nsynchronous_commit = on\n",
        primary.port,
        root_dir.display()
    );
    append(&primary.dir.join("postgresql.conf"), &conf);
    primary.start();
    let standby = Instance { bin: bin.to_path_buf(), dir: root_dir.join("standby"), port: free_port() };
    let mut c = postgres_cmd(bin, "pg_basebackup");
    c.args(["-h", "127.0.0.1", "-p", &primary.port.to_string(), "-U", "postgres", "-D"])
        .arg(&standby.dir)
        .args(["-R", "-X", "stream"]);
    run(c, "pg_basebackup");
    append(&standby.dir.join("postgresql.conf"), &format!("port = {}\n", standby.port));
    standby.start();
    primary.psql("ALTER SYSTEM SET synchronous_standby_names = '*'");
    primary.psql("SELECT pg_reload_conf()");
    common::wait_for(Duration::from_secs(30), "the standby to be synchronous", || {
        (primary.psql("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'") == "1").then_some(())
    });
    (primary, standby)
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    std::fs::OpenOptions::new().append(true).open(path).unwrap().write_all(text.as_bytes()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_carry_on_when_the_standby_is_promoted() {
    let Some(bin) = bin_dir().filter(|_| Command::new("psql").arg("--version").output().is_ok()) else {
        assert!(!required(), "PostgreSQL's server programs are required (REKEY_REQUIRE_SERVICES=1)");
        eprintln!("skipping: no initdb/pg_ctl here");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (primary, standby) = pair(&bin, tmp.path());
    let url = format!(
        "postgres://postgres@127.0.0.1:{},127.0.0.1:{}/postgres?target_session_attrs=read-write",
        primary.port, standby.port
    );
    let key = tmp.path().join("master.key");
    std::fs::write(&key, "ab".repeat(32)).unwrap();
    let nodes: Vec<Server> = (0..2)
        .map(|i| {
            Server::start_in_with(
                &tmp.path().join(format!("node{i}")),
                &["--store", &url, "--master-key-file", key.to_str().unwrap()],
            )
        })
        .collect();

    // One writer per node, each recording what was acknowledged and when
    // calls failed.
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = nodes
        .iter()
        .enumerate()
        .map(|(n, node)| {
            let (c, stop) = (node.client(), stop.clone());
            tokio::spawn(async move {
                let (mut acked, mut failed) = (Vec::new(), Vec::new());
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let name = format!("w/{n}/{i}");
                    match c.create_secret().name(&name).secret_string(&name).client_request_token(token(i)).send().await
                    {
                        Ok(_) => acked.push((name, Instant::now())),
                        Err(_) => {
                            failed.push(Instant::now());
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                    i += 1;
                }
                (acked, failed)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    primary.kill();
    let killed = Instant::now();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut c = postgres_cmd(&bin, "pg_ctl");
    c.args(["-D"]).arg(&standby.dir).args(["-w", "promote"]);
    run(c, "pg_ctl promote");
    let promoted = Instant::now();
    tokio::time::sleep(Duration::from_secs(4)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut window = Duration::ZERO;
    for w in writers {
        let (acked, failed) = w.await.unwrap();
        let after = acked.iter().filter(|(_, at)| *at > promoted).count();
        assert!(after > 0, "writes go on after the promotion");
        // From the kill to this writer's first success after it.
        if let Some((_, back)) = acked.iter().find(|(_, at)| *at > killed) {
            window = window.max(back.duration_since(killed));
        }
        eprintln!("writer: {} acknowledged ({after} after the promotion), {} failed calls", acked.len(), failed.len());
        all.extend(acked.into_iter().map(|(n, _)| n));
    }
    eprintln!(
        "errors from the kill until writes went on: {window:?} (of which {:?} before the promotion was asked for)",
        promoted.duration_since(killed)
    );
    // Every acknowledged write is on the new primary.
    let c = nodes[0].client();
    for name in &all {
        let got = c.get_secret_value().secret_id(name).send().await.unwrap_or_else(|e| panic!("{name} lost: {e:?}"));
        assert_eq!(got.secret_string(), Some(name.as_str()));
    }
    let held: usize = standby.psql("SELECT count(*) FROM secrets").parse().unwrap();
    assert!(held >= all.len(), "the new primary holds them: {held} of {}", all.len());
    let verified = nodes[1].rekey_json(&["admin", "audit", "verify"]);
    assert_eq!(verified["Intact"], true, "{verified}");
}
