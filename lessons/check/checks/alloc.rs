//! Memory watched: the system allocator, with a count kept for the threads a check is
//! watching (the thread that calls the learner's function, the thread that runs the
//! learner's server). For each: the bytes it has allocated and not freed, the most it has
//! held at once, and the largest single request. That is how a check sees "the buffer was
//! allocated before the length was checked" (lesson 06: a liar's 2 GiB costs nothing until
//! it is touched, so nothing else would show it) and "memory grows with the file".

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};

/// The allocator of every check binary.
pub struct Counting;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const SLOTS: usize = 32;

struct Slot {
    taken: AtomicBool,
    live: AtomicIsize,
    peak: AtomicIsize,
    largest: AtomicUsize,
}

#[allow(clippy::declare_interior_mutable_const)]
const FREE: Slot = Slot {
    taken: AtomicBool::new(false),
    live: AtomicIsize::new(0),
    peak: AtomicIsize::new(0),
    largest: AtomicUsize::new(0),
};

static SLOT_TABLE: [Slot; SLOTS] = [FREE; SLOTS];

thread_local! {
    /// The slot of this thread, plus one; 0 when it is not watched. A const initializer and
    /// no destructor: reading it can never allocate, which an allocator must not do.
    static MINE: Cell<usize> = const { Cell::new(0) };
}

fn account(delta: isize, request: usize) {
    let slot = MINE.try_with(Cell::get).unwrap_or(0);
    if slot == 0 {
        return;
    }
    let slot = &SLOT_TABLE[slot - 1];
    let live = slot.live.fetch_add(delta, Ordering::Relaxed) + delta;
    slot.peak.fetch_max(live, Ordering::Relaxed);
    if request > 0 {
        slot.largest.fetch_max(request, Ordering::Relaxed);
    }
}

// SAFETY: every call is passed to the system allocator unchanged; the counting beside it
// touches only atomics and a const thread-local, and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc(layout);
        if !ptr.is_null() {
            account(layout.size() as isize, layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc_zeroed(layout);
        if !ptr.is_null() {
            account(layout.size() as isize, layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        account(-(layout.size() as isize), 0);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = System.realloc(ptr, layout, new_size);
        if !new.is_null() {
            account(new_size as isize - layout.size() as isize, new_size);
        }
        new
    }
}

/// A watched thread's figures, readable from any thread.
#[derive(Clone, Copy)]
pub struct Watch(usize);

/// What a watched thread did with memory since it was watched (or since [`Watch::reset`]).
#[derive(Clone, Copy, Debug)]
pub struct Usage {
    /// The most it held at once, beyond what it held when the count started.
    pub peak: usize,
    /// The largest single allocation it asked for.
    pub largest: usize,
}

impl Watch {
    /// Starts counting the calling thread's allocations; `None` when every slot is taken.
    pub fn this_thread() -> Option<Watch> {
        for (i, slot) in SLOT_TABLE.iter().enumerate() {
            if slot
                .taken
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                slot.live.store(0, Ordering::Relaxed);
                slot.peak.store(0, Ordering::Relaxed);
                slot.largest.store(0, Ordering::Relaxed);
                MINE.with(|m| m.set(i + 1));
                return Some(Watch(i));
            }
        }
        None
    }

    /// Counts from now: the peak and the largest request start again from what it holds.
    pub fn reset(&self) {
        let slot = &SLOT_TABLE[self.0];
        slot.peak
            .store(slot.live.load(Ordering::Relaxed), Ordering::Relaxed);
        slot.largest.store(0, Ordering::Relaxed);
    }

    /// The figures so far: the peak over what was held at the last reset.
    pub fn usage(&self, held_at_reset: isize) -> Usage {
        let slot = &SLOT_TABLE[self.0];
        Usage {
            peak: (slot.peak.load(Ordering::Relaxed) - held_at_reset).max(0) as usize,
            largest: slot.largest.load(Ordering::Relaxed),
        }
    }

    /// What the thread holds now.
    pub fn live(&self) -> isize {
        SLOT_TABLE[self.0].live.load(Ordering::Relaxed)
    }

    /// Stops counting (called on the watched thread itself) and frees the slot.
    pub fn release(self) {
        MINE.with(|m| m.set(0));
        SLOT_TABLE[self.0].taken.store(false, Ordering::Release);
    }
}

/// A size as the check shows it: `2.0 GiB`, `64 KiB`, `17 bytes`.
pub fn size(bytes: usize) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b >= KIB * KIB * KIB {
        format!("{:.1} GiB", b / (KIB * KIB * KIB))
    } else if b >= KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else if b >= KIB {
        format!("{:.0} KiB", b / KIB)
    } else {
        socket_lessons::tr!("{bytes} bytes" | "{bytes} 字节")
    }
}
