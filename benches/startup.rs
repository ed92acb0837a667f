//! Start-up: from launching the real binary in a pseudo-terminal to its first frame (the home
//! screen) on the terminal.
//! Run: cargo bench --bench startup

use std::io::Read;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use portable_pty::{native_pty_system, CommandBuilder, PtySize};

fn first_frame() -> Duration {
    let home = tempfile::tempdir().unwrap();
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_hoarfrost"));
    cmd.args(["--home", home.path().to_str().unwrap()]);
    cmd.env("TERM", "xterm-256color");
    let start = Instant::now();
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    let mut reader = pty.master.try_clone_reader().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let elapsed = loop {
        let n = reader.read(&mut buf).unwrap();
        seen.extend_from_slice(&buf[..n]);
        if String::from_utf8_lossy(&seen).contains("Actions") {
            break start.elapsed();
        }
    };
    let mut writer = pty.master.take_writer().unwrap();
    let _ = std::io::Write::write_all(&mut writer, b"\x03");
    let _ = child.wait();
    elapsed
}

fn startup(c: &mut Criterion) {
    let mut group = c.benchmark_group("startup");
    group.sample_size(20);
    group.bench_function("first_frame_80x24", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| first_frame()).sum())
    });
    group.finish();
}

criterion_group!(benches, startup);
criterion_main!(benches);
