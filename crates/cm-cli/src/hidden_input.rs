//! Reading a secret from the terminal with echo off, and giving the terminal back even when the
//! process is interrupted.
//!
//! rpassword restores the terminal in a drop guard, which never runs when SIGINT (Ctrl-C) or
//! SIGTERM kills the process at the `Password:` prompt: the shell is then left without echo and
//! canonical mode. Here the saved settings are also reachable from a signal handler, installed
//! only while echo is off: it puts the settings back (`tcsetattr` is async-signal-safe), restores
//! the previous disposition and raises the signal again, so the process still ends as the signal
//! says (exit status 130 / 143 in a shell).

#[cfg(unix)]
mod unix {
    use std::io::{BufRead as _, Write as _};
    use std::os::fd::AsRawFd as _;
    use std::sync::atomic::{AtomicI32, AtomicPtr, Ordering};

    /// The terminal's settings before echo went off (null when echo is on).
    static SAVED: AtomicPtr<libc::termios> = AtomicPtr::new(std::ptr::null_mut());
    /// The terminal they belong to.
    static SAVED_FD: AtomicI32 = AtomicI32::new(-1);
    /// The signals that end the process at a prompt.
    const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

    extern "C" fn restore_and_reraise(signal: libc::c_int) {
        let saved = SAVED.swap(std::ptr::null_mut(), Ordering::SeqCst);
        if !saved.is_null() {
            // SAFETY: `saved` came from `Box::into_raw` in `read_hidden` and is never freed while
            // published (it is swapped out first); tcsetattr is async-signal-safe.
            unsafe { libc::tcsetattr(SAVED_FD.load(Ordering::SeqCst), libc::TCSANOW, saved) };
        }
        // SAFETY: signal and raise are async-signal-safe; the default disposition ends the
        // process as the signal says.
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
            libc::raise(signal);
        }
    }

    /// Echo off on `tty` until dropped; the signal handlers are in place as long as it lives.
    struct EchoOff {
        fd: libc::c_int,
        saved: libc::termios,
        previous: Vec<(libc::c_int, libc::sigaction)>,
    }

    impl EchoOff {
        fn new(fd: libc::c_int) -> std::io::Result<Self> {
            // SAFETY: termios is plain data; tcgetattr fills it.
            let mut saved: libc::termios = unsafe { std::mem::zeroed() };
            // SAFETY: `fd` is an open descriptor, `saved` a valid termios.
            if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
            SAVED_FD.store(fd, Ordering::SeqCst);
            let published = Box::into_raw(Box::new(saved));
            let old = SAVED.swap(published, Ordering::SeqCst);
            if !old.is_null() {
                // SAFETY: a previous box of ours, no longer published.
                drop(unsafe { Box::from_raw(old) });
            }
            let mut previous = Vec::new();
            for signal in SIGNALS {
                // SAFETY: sigaction structs are plain data; we install a handler that only makes
                // async-signal-safe calls, and remember the previous one.
                unsafe {
                    let mut action: libc::sigaction = std::mem::zeroed();
                    action.sa_sigaction = restore_and_reraise as *const () as usize;
                    libc::sigemptyset(&mut action.sa_mask);
                    let mut old: libc::sigaction = std::mem::zeroed();
                    if libc::sigaction(signal, &action, &mut old) == 0 {
                        if old.sa_sigaction == libc::SIG_IGN {
                            // An ignored signal stays ignored (`nohup`, a shell's `trap ''`).
                            libc::sigaction(signal, &old, std::ptr::null_mut());
                        } else {
                            previous.push((signal, old));
                        }
                    }
                }
            }
            let guard = Self {
                fd,
                saved,
                previous,
            };
            let mut hidden = saved;
            hidden.c_lflag &= !libc::ECHO;
            hidden.c_lflag |= libc::ECHONL | libc::ICANON;
            // SAFETY: `fd` is open, `hidden` a valid termios.
            if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &hidden) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(guard)
        }
    }

    impl Drop for EchoOff {
        fn drop(&mut self) {
            // SAFETY: `fd` is still open (the caller's file outlives the guard).
            unsafe { libc::tcsetattr(self.fd, libc::TCSANOW, &self.saved) };
            let published = SAVED.swap(std::ptr::null_mut(), Ordering::SeqCst);
            for (signal, old) in &self.previous {
                // SAFETY: puts back the disposition sigaction gave us.
                unsafe { libc::sigaction(*signal, old, std::ptr::null_mut()) };
            }
            if !published.is_null() {
                // SAFETY: ours, from `Box::into_raw`, now unpublished and the handlers gone.
                drop(unsafe { Box::from_raw(published) });
            }
        }
    }

    /// Asks `question` on `tty` and reads one line with echo off (without its line end).
    pub(crate) fn read_hidden(
        tty: &mut std::io::BufReader<std::fs::File>,
        question: &str,
    ) -> std::io::Result<String> {
        let file = tty.get_mut();
        file.write_all(question.as_bytes())?;
        file.flush()?;
        let fd = file.as_raw_fd();
        let guard = EchoOff::new(fd)?;
        let mut line = String::new();
        let read = tty.read_line(&mut line);
        drop(guard);
        read?;
        while line.ends_with(['\n', '\r']) {
            line.pop();
        }
        Ok(line)
    }
}

#[cfg(unix)]
pub(crate) use unix::read_hidden;
