#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| shiming_fuzz_targets::batch_csv(data));
