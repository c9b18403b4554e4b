//! Several `rekey serve --dev` nodes on one PostgreSQL store: a schema of
//! their own in the `test` database on 127.0.0.1:5432 (dropped when the
//! cluster goes), one master key file they all read, a data directory each.

use super::Server;
use super::databases::{postgres_available, psql};
use std::path::PathBuf;

/// A schema of its own in the `test` database, dropped when it goes.
pub struct PgSchema {
    pub name: String,
    /// A store URL that uses it.
    pub url: String,
}

impl PgSchema {
    /// A new empty schema; `None` (the test passes without running) where
    /// PostgreSQL is not there, except in CI.
    pub fn create() -> Option<PgSchema> {
        if !postgres_available() {
            return None;
        }
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_nanos();
        let name = format!("rekey_test_{}_{nanos}", std::process::id());
        psql(&format!("CREATE SCHEMA {name}")).expect("create the schema");
        // Tests run two at a time, with up to three nodes each: small pools
        // keep them under the server's 100 connections.
        let url = format!(
            "postgres://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{name}&pool_max_conns=8&application_name={name}"
        );
        Some(PgSchema { name, url })
    }

    /// `psql` in the schema: what the last statement printed.
    pub fn sql(&self, sql: &str) -> String {
        let out = psql(&format!("SET search_path TO {}; {sql}", self.name)).expect("psql");
        out.strip_prefix("SET").unwrap_or(&out).trim().to_string()
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        // The nodes' connections (named for the schema) go first: a node
        // left running would hold up the drop.
        let _ = psql(&format!(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '{0}';
             DROP SCHEMA IF EXISTS {0} CASCADE",
            self.name
        ));
    }
}

/// The nodes and what they share.
pub struct Cluster {
    pub nodes: Vec<Server>,
    /// The store's URL.
    pub url: String,
    /// Nodes authenticate requests (no `--dev`).
    signed: bool,
    /// Each node's configuration file, given its index (`None`: none).
    config: Option<Box<dyn Fn(usize) -> String + Send + Sync>>,
    /// The master key file all nodes read, or with `own_keys` the one
    /// each node's copy starts from.
    pub key_file: PathBuf,
    /// Each node reads a copy of the key file of its own
    /// ([`Cluster::key_file_of`]), as on machines of their own.
    own_keys: bool,
    tmp: tempfile::TempDir,
    /// Last: dropped after the nodes stopped.
    pub schema: PgSchema,
}

impl Cluster {
    /// `n` nodes on a new store; `None` (the test passes without running)
    /// where PostgreSQL is not there, except in CI.
    pub fn start(n: usize) -> Option<Cluster> {
        Cluster::start_as(n, false, None)
    }

    /// `n` nodes without `--dev`: the first makes the administrator's key
    /// (in its data directory, see [`Cluster::admin`]) before the others start.
    pub fn start_signed(n: usize) -> Option<Cluster> {
        Cluster::start_as(n, true, None)
    }

    /// Like [`Cluster::start_signed`], each node with a copy of the master
    /// key file of its own.
    pub fn start_signed_own_keys(n: usize) -> Option<Cluster> {
        let mut cluster = Cluster::start_as(0, true, None)?;
        cluster.own_keys = true;
        for _ in 0..n {
            cluster.add_node();
        }
        Some(cluster)
    }

    /// `n` nodes without `--dev` started all at once on the empty store.
    pub fn start_signed_at_once(n: usize) -> Option<Cluster> {
        let mut cluster = Cluster::start_as(0, true, None)?;
        let nodes: Vec<Server> = std::thread::scope(|s| {
            let started: Vec<_> = (0..n)
                .map(|i| {
                    s.spawn({
                        let cluster = &cluster;
                        move || cluster.launch(i)
                    })
                })
                .collect();
            started.into_iter().map(|t| t.join().expect("a node starts")).collect()
        });
        cluster.nodes = nodes;
        Some(cluster)
    }

    /// The master key file node `i` reads.
    pub fn key_file_of(&self, i: usize) -> PathBuf {
        if self.own_keys { self.tmp.path().join(format!("keys{i}")).join("master.key") } else { self.key_file.clone() }
    }

    /// `n` `--dev` nodes, node `i` with the configuration `config(i)`.
    pub fn start_configured(n: usize, config: impl Fn(usize) -> String + Send + Sync + 'static) -> Option<Cluster> {
        Cluster::start_as(n, false, Some(Box::new(config)))
    }

    fn start_as(n: usize, signed: bool, config: Option<Box<dyn Fn(usize) -> String + Send + Sync>>) -> Option<Cluster> {
        let schema = PgSchema::create()?;
        let tmp = tempfile::tempdir().expect("tempdir");
        let key_file = tmp.path().join("master.key");
        let key: String = (0..32).map(|i| format!("{:02x}", (i * 37 + 11) as u8)).collect();
        {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let mut f =
                std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&key_file).expect("key file");
            f.write_all(key.as_bytes()).expect("write key");
        }
        let url = schema.url.clone();
        let mut cluster = Cluster { nodes: Vec::new(), url, signed, config, schema, key_file, own_keys: false, tmp };
        for _ in 0..n {
            cluster.add_node();
        }
        Some(cluster)
    }

    /// Starts one more node; its index.
    pub fn add_node(&mut self) -> usize {
        let node = self.launch(self.nodes.len());
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// Kills node `i` outright (SIGKILL) and starts it again in its place,
    /// on its data directory and key file.
    pub fn restart_node(&mut self, i: usize) {
        self.nodes[i].sigkill();
        self.nodes[i] = self.launch(i);
    }

    fn launch(&self, i: usize) -> Server {
        let data_dir = self.tmp.path().join(format!("node{i}"));
        let key_file = self.key_file_of(i);
        if !key_file.exists() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::create_dir_all(key_file.parent().unwrap()).expect("key directory");
            std::fs::copy(&self.key_file, &key_file).expect("copy the key file");
            std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).expect("key file mode");
        }
        let mut args: Vec<String> =
            vec!["--store".into(), self.url.clone(), "--master-key-file".into(), key_file.display().to_string()];
        if let Some(config) = &self.config {
            let path = self.tmp.path().join(format!("node{i}.toml"));
            std::fs::write(&path, config(i)).expect("write the node's configuration");
            args.extend(["--config".into(), path.display().to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        if self.signed { Server::start_signed_in(&data_dir, &args) } else { Server::start_in_with(&data_dir, &args) }
    }

    /// The administrator's keys (made by the first node of a signed cluster).
    pub fn admin(&self) -> super::Keys {
        super::Keys::admin(&self.nodes[0])
    }

    /// `psql` in the store's schema: what the last statement printed.
    pub fn sql(&self, sql: &str) -> String {
        self.schema.sql(sql)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // The nodes stop before their schema goes.
        self.nodes.clear();
    }
}
