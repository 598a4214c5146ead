//! A `no_std`, `no_main` program that calls into every module of the core.
#![no_std]
#![no_main]
#![allow(unsafe_code)] // a global allocator and the C `main` symbol need it; this crate only.

extern crate alloc;

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering};
use rand_core::SeedableRng as _;

/// A bump allocator over a static arena (never frees; enough for this check).
struct Bump {
    arena: UnsafeCell<[u8; 1 << 22]>,
    next: AtomicUsize,
}

// SAFETY: allocation hands out disjoint ranges by an atomic bump pointer.
unsafe impl Sync for Bump {}

// SAFETY: returns aligned, disjoint, in-bounds blocks or null.
unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let base = self.arena.get() as usize;
        let mut cur = self.next.load(Ordering::Relaxed);
        loop {
            let start = (base + cur).next_multiple_of(layout.align()) - base;
            let end = start + layout.size();
            if end > 1 << 22 {
                return core::ptr::null_mut();
            }
            match self.next.compare_exchange(cur, end, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return (base + start) as *mut u8,
                Err(v) => cur = v,
            }
        }
    }
    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOC: Bump = Bump {
    arena: UnsafeCell::new([0; 1 << 22]),
    next: AtomicUsize::new(0),
};

// The C runtime (crt startup, memcpy, memset) comes from libc, as for any C program.
#[link(name = "c")]
unsafe extern "C" {}

/// The precompiled `core` of a hosted target references the unwinding personality even with
/// `panic = "abort"`; nothing unwinds here, so an empty one suffices.
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

/// Entry point called by the C runtime.
#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    let isa = tdlab::linalg::Isa::detect();
    let mut rng = tdlab::random::Rng::seed_from_u64(1);
    let mut x = [0.0f64; 16];
    tdlab::random::sphere(&mut rng, &mut x);
    let n = tdlab::linalg::nrm2(isa, &x);
    let gh = match tdlab::special::GaussHermite::new(10) {
        Ok(g) => g,
        Err(_) => return 3,
    };
    let m2 = gh.expect(|z| z * z);
    let ok = (n - 1.0).abs() < 1e-12 && (m2 - 1.0).abs() < 1e-12;
    // A paper module: 300 span-engine steps of the multi-index model through the driver.
    let cfg = tdlab::multi_index::MultiIndexConfig {
        d: 200,
        steps: 300,
        stop_when_aligned: false,
        ..Default::default()
    };
    let Ok(mut engine) = tdlab::multi_index::build_engine(&cfg, isa, &mut rng) else {
        return 4;
    };
    let run = tdlab::multi_index::run_sgd(
        &cfg,
        engine.as_mut(),
        &mut rng,
        tdlab::multi_index::DriverOptions::default(),
        &mut tdlab::run::NullObserver,
    );
    let mi_ok = matches!(run, Ok(ref o) if o.steps == 300 && o.ridge_end.is_finite());
    if ok && mi_ok { 0 } else { 1 }
}
