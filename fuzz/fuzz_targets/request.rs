//! Any bytes as the body of any operation (and of rekey's own admin
//! operations), through the whole service: JSON decoding, model
//! validation, authorization and the operation itself, on a real store.
//! Whatever the input, the answer is a result or an error of the client's
//! (never InternalServiceError, never a panic).

#![no_main]

use libfuzzer_sys::fuzz_target;
use rekey_model::ErrorCode;
use rekey_model::api::Operation;
use rekey_model::name::{AccountId, Namespace, Region};
use rekey_service::{Principal, RequestContext, Service, SystemClock};
use rekey_store::seal::{MasterKey, Seal};
use rekey_store::sqlite::{Durability, SqliteStore};
use std::sync::{Arc, LazyLock};

struct World {
    runtime: tokio::runtime::Runtime,
    service: Service<SqliteStore>,
    _dir: tempfile::TempDir,
}

static WORLD: LazyLock<World> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open_with(&SqliteStore::file_in(dir.path()), Durability::Unsynced).unwrap());
    let service = runtime.block_on(async {
        let seal = Arc::new(Seal::unlock(store.as_ref(), MasterKey::generate()).await.unwrap());
        Service::new(store, seal, Arc::new(SystemClock))
    });
    World { runtime, service, _dir: dir }
});

const ADMIN: [&str; 8] =
    ["ListRotations", "CreateUser", "CreateAccessKey", "PutUserPolicy", "ListAccessKeys", "Clock", "GetSessionToken", "X"];

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else { return };
    let account = AccountId::parse("111111111111").unwrap();
    let namespace = Namespace { account: account.clone(), region: Region::new("us-east-1") };
    // Half the calls as the account's root (authorization runs), half as
    // `--dev` (nothing is authorized).
    let principal = match which & 1 {
        0 => Principal::root(account.clone(), "AKIDFUZZ".into()),
        _ => Principal::unrestricted(account, "AKIDFUZZ".into()),
    };
    let ctx = RequestContext::new(namespace, principal, "fuzz".into());
    let w = &*WORLD;
    let out = match (which >> 1) as usize {
        i if i < Operation::ALL.len() => {
            let op = Operation::ALL[i];
            w.runtime.block_on(w.service.dispatch(ctx, op, body))
        }
        i => w.runtime.block_on(w.service.admin_dispatch(ctx, ADMIN[i % ADMIN.len()], body)),
    };
    if let Err(e) = out {
        assert_ne!(e.code, ErrorCode::InternalServiceError, "{e}");
    }
});
