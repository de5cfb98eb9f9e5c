//! [`StateLock`]: the reader-writer lock of the state an [`EcsModule`]
//! shares with the builds that adopt it.
//!
//! Two builds of the module are two images, each with its own copy of
//! every crate it links. A lock whose waiters queue in a table of its
//! crate's own (parking_lot's parking lot is a global of each image) would
//! lose a wakeup whenever a thread in one build's code waits and a thread
//! in the other's unlocks, and its lock word's meaning would depend on
//! that crate's release. This lock is declared here (the ECS's
//! declarations hash pins its layout, see `ABI_VERSION`) and waits on
//! std's `Mutex` and `Condvar`, which wait on the kernel's futex, keyed by
//! address: every image's code reaches the same waiters. std's layout is
//! pinned by the compiler version every module shares with its host.
//!
//! Reads are recursive: a reader never waits for a waiting writer, only
//! for one that holds the lock (a thread holding a typed guard, a read
//! lock kept past its call, must be able to read again while a writer
//! waits). A writer waits until no reader is left.
//!
//! [`EcsModule`]: crate::EcsModule

use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// The state word's bit for a writer holding the lock.
const WRITER: usize = 1 << (usize::BITS - 1);
/// The state word's bit for threads waiting on the `Condvar`: an unlock
/// that does not find it set skips the `Mutex`.
const PARKED: usize = 1 << (usize::BITS - 2);
/// The bits below, which count the readers holding the lock.
const READERS: usize = PARKED - 1;

/// A reader-writer lock over a `T` that any build of the module can wait
/// on (see the module docs).
pub(crate) struct StateLock<T> {
    /// [`WRITER`] or a number of readers, and [`PARKED`]. Every change is
    /// a read-modify-write of this one word, so whether an unlock saw a
    /// waiter's [`PARKED`] or the waiter saw the unlock needs no other
    /// ordering.
    state: AtomicUsize,
    /// How many threads wait on `changed`; [`PARKED`] is set while there
    /// is one.
    sleepers: Mutex<usize>,
    changed: Condvar,
    data: UnsafeCell<T>,
}

// SAFETY: the lock hands out `&T` to several threads at once (readers) and
// `&mut T` to one (a writer, alone), as `std::sync::RwLock` does: `T` must
// be `Send` to be written from another thread and `Sync` to be read from
// several.
unsafe impl<T: Send + Sync> Sync for StateLock<T> {}

impl<T: Default> Default for StateLock<T> {
    fn default() -> Self {
        StateLock::new(T::default())
    }
}

impl<T> StateLock<T> {
    /// A lock over `value`, unlocked.
    pub(crate) fn new(value: T) -> Self {
        StateLock {
            state: AtomicUsize::new(0),
            sleepers: Mutex::new(0),
            changed: Condvar::new(),
            data: UnsafeCell::new(value),
        }
    }

    /// Locks for reading, waiting only while a writer holds the lock.
    #[inline]
    pub(crate) fn read(&self) -> ReadGuard<'_, T> {
        if !self.try_lock_read() {
            self.wait_until(Self::try_lock_read);
        }
        ReadGuard {
            lock: self,
            _not_send: PhantomData,
        }
    }

    /// Locks for writing if no one holds the lock now.
    #[inline]
    pub(crate) fn try_write(&self) -> Option<WriteGuard<'_, T>> {
        // Built only once locked: a guard built and dropped would unlock.
        self.try_lock_write().then(|| WriteGuard {
            lock: self,
            _not_send: PhantomData,
        })
    }

    /// Locks for writing, waiting until no one holds the lock.
    pub(crate) fn write(&self) -> WriteGuard<'_, T> {
        if !self.try_lock_write() {
            self.wait_until(Self::try_lock_write);
        }
        WriteGuard {
            lock: self,
            _not_send: PhantomData,
        }
    }

    /// Gives back one read lock whose guard was forgotten.
    ///
    /// # Safety
    /// The caller took a read lock ([`StateLock::read`]) and forgot its
    /// guard, and gives that lock back once.
    pub(crate) unsafe fn force_unlock_read(&self) {
        self.unlock_read();
    }

    /// The value, unlocked: reading or writing through it is the caller's
    /// to make sound (a read lock it holds, say).
    pub(crate) fn data_ptr(&self) -> *mut T {
        self.data.get()
    }

    #[inline]
    fn try_lock_read(&self) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & WRITER != 0 {
                return false;
            }
            assert!(state & READERS != READERS, "too many readers");
            match self.state.compare_exchange_weak(
                state,
                state + 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
    }

    #[inline]
    fn try_lock_write(&self) -> bool {
        // Free: no writer and no reader; `PARKED` is kept. The common
        // case first: free and nobody parked.
        let mut state =
            match self
                .state
                .compare_exchange(0, WRITER, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(state) => state,
            };
        loop {
            if state & !PARKED != 0 {
                return false;
            }
            match self.state.compare_exchange_weak(
                state,
                state | WRITER,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
    }

    /// Waits, on the `Condvar`, until `lock` succeeds.
    #[cold]
    fn wait_until(&self, lock: fn(&Self) -> bool) {
        let mut sleepers = self.sleepers();
        *sleepers += 1;
        // Set before the lock is tried again, in the word every unlock
        // changes: an unlock either comes after this and sees it (and then
        // notifies under the mutex, which this thread holds until it
        // waits), or came before and the try below sees what it freed.
        self.state.fetch_or(PARKED, Ordering::Relaxed);
        while !lock(self) {
            sleepers = self
                .changed
                .wait(sleepers)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *sleepers -= 1;
        if *sleepers == 0 {
            // Under the mutex: a thread that waits next sets it again
            // after taking it.
            self.state.fetch_and(!PARKED, Ordering::Relaxed);
        }
    }

    #[inline]
    fn unlock_read(&self) {
        let before = self.state.fetch_sub(1, Ordering::Release);
        debug_assert!(before & READERS > 0 && before & WRITER == 0);
        // The last reader gone, with a writer waiting.
        if before == PARKED | 1 {
            self.wake();
        }
    }

    #[inline]
    fn unlock_write(&self) {
        if self
            .state
            .compare_exchange(WRITER, 0, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            // `PARKED` is set: keep it, and wake the waiters.
            self.state.fetch_and(!WRITER, Ordering::Release);
            self.wake();
        }
    }

    /// Wakes every waiter: a writer's unlock may let all readers in, and
    /// whoever does not get the lock waits again.
    #[cold]
    fn wake(&self) {
        // Under the mutex: a waiter between setting `PARKED` and waiting
        // holds it, so the notification cannot fall between the two.
        let _sleepers = self.sleepers();
        self.changed.notify_all();
    }

    fn sleepers(&self) -> MutexGuard<'_, usize> {
        self.sleepers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A read lock of a [`StateLock`]; unlocks when dropped. Stays on the
/// thread that took it, as the typed guards built on it do.
pub(crate) struct ReadGuard<'a, T> {
    lock: &'a StateLock<T>,
    _not_send: PhantomData<*const ()>,
}

impl<T> Deref for ReadGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: a read lock is held for the guard's life: no writer has
        // the value, so shared references to it are sound.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.lock.unlock_read();
    }
}

/// The write lock of a [`StateLock`]; unlocks when dropped.
pub(crate) struct WriteGuard<'a, T> {
    lock: &'a StateLock<T>,
    _not_send: PhantomData<*const ()>,
}

impl<T> Deref for WriteGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the write lock is held for the guard's life: the guard
        // is the value's only user.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for WriteGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`, and `&mut self` makes this the one
        // reference through the guard.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for WriteGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.lock.unlock_write();
    }
}

#[cfg(test)]
mod tests {
    use super::StateLock;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    #[test]
    fn a_reader_reads_again_while_a_writer_waits() {
        let lock = Arc::new(StateLock::new(0u64));
        let first = lock.read();
        let writer = {
            let lock = Arc::clone(&lock);
            std::thread::spawn(move || *lock.write() += 1)
        };
        // Let the writer start waiting, then read again on this thread.
        while *lock.sleepers() == 0 {
            std::thread::yield_now();
        }
        let second = lock.read();
        assert_eq!((*first, *second), (0, 0));
        assert!(!writer.is_finished(), "the writer waits for the readers");
        drop((first, second));
        writer.join().unwrap();
        assert_eq!(*lock.read(), 1);
    }

    #[test]
    fn a_writer_is_alone() {
        let lock = StateLock::new(());
        let write = lock.write();
        assert!(lock.try_write().is_none());
        drop(write);
        let read = lock.read();
        assert!(lock.try_write().is_none(), "a reader keeps writers out");
        drop(read);
        assert!(lock.try_write().is_some());
    }

    #[test]
    fn a_forgotten_read_lock_is_given_back() {
        let lock = StateLock::new(5);
        std::mem::forget(lock.read());
        assert!(lock.try_write().is_none());
        // SAFETY: the read lock above was taken and its guard forgotten.
        unsafe { lock.force_unlock_read() };
        assert!(lock.try_write().is_some());
    }

    #[test]
    fn readers_and_writers_racing_lose_no_write_and_see_no_torn_value() {
        let lock = Arc::new(StateLock::new((0u64, 0u64)));
        let stop = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let (lock, stop) = (Arc::clone(&lock), Arc::clone(&stop));
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let value = lock.read();
                        assert_eq!(value.0, value.1, "a write is seen whole or not at all");
                    }
                })
            })
            .collect();
        let writers: Vec<_> = (0..2)
            .map(|_| {
                let lock = Arc::clone(&lock);
                std::thread::spawn(move || {
                    for _ in 0..2_000 {
                        let mut value = lock.write();
                        value.0 += 1;
                        std::hint::spin_loop();
                        value.1 += 1;
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        stop.store(true, Ordering::Relaxed);
        for reader in readers {
            reader.join().unwrap();
        }
        assert_eq!(*lock.read(), (4_000, 4_000));
        // Nobody is left waiting, and the lock is free.
        std::thread::sleep(Duration::from_millis(1));
        assert_eq!(*lock.sleepers(), 0);
        assert_eq!(lock.state.load(Ordering::SeqCst), 0, "free, nobody parked");
        assert!(lock.try_write().is_some());
    }

    #[test]
    fn writers_exclude_each_other_whether_they_wait_or_try() {
        let lock = Arc::new(StateLock::new((0u64, 0u64)));
        let threads: Vec<_> = (0..3)
            .map(|t| {
                let lock = Arc::clone(&lock);
                std::thread::spawn(move || {
                    for i in 0..50_000 {
                        if (i + t) % 3 == 0
                            && let Some(mut g) = lock.try_write()
                        {
                            g.0 += 1;
                            std::hint::spin_loop();
                            g.1 += 1;
                            continue;
                        }
                        let mut g = lock.write();
                        let before = g.0;
                        g.0 += 1;
                        std::hint::spin_loop();
                        assert_eq!(g.0, before + 1);
                        g.1 += 1;
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*lock.read(), (150_000, 150_000));
    }
}
