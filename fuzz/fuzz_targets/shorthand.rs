//! The aws CLI's shorthand syntax (`Key=a,Value=b`, lists, nesting,
//! quoting), as users type it to `rekey secretsmanager`. Never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = rekey_cli::shorthand::parse(text);
    }
});
