//! Run-loop and app lifecycle event sequences (insta snapshots) and their rules.

use std::sync::{Arc, Mutex};

use cm_events::kernel_events::{app, runloop};
use cm_events::{App, AppStatus, Dispatcher, ObserverGuard, Payload, RunLoop};

/// Records `name payload-json` for every observed event.
struct Recorder {
    log: Arc<Mutex<Vec<String>>>,
    _guards: Vec<ObserverGuard>,
}

impl Recorder {
    fn new(d: &Dispatcher, names: &[&str]) -> Self {
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let guards = names
            .iter()
            .map(|n| {
                let log = log.clone();
                d.observe("recorder", 0, *n, None, move |e| {
                    log.lock()
                        .unwrap()
                        .push(format!("{} {}", e.name(), e.payload().to_json()));
                })
            })
            .collect();
        Recorder {
            log,
            _guards: guards,
        }
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

const APP_EVENTS: &[&str] = &[
    app::STARTED,
    app::READY,
    app::POST_QUIT,
    app::PRE_SHUTDOWN,
    runloop::PRE_UPDATE,
    runloop::UPDATE,
    runloop::POST_UPDATE,
    "test:queued",
    "test:queued:immediate",
];

#[test]
fn main_run_loop_sequence() {
    let d = Dispatcher::new();
    let rec = Recorder::new(&d, APP_EVENTS);
    let mut main = RunLoop::main(&d).unwrap();
    d.queue_event(
        "test:queued",
        Payload::new().with("text", "hello world"),
        None,
    )
    .unwrap();
    main.update(1.0 / 60.0).unwrap();
    main.update(0.5).unwrap();
    insta::assert_yaml_snapshot!(rec.take());
}

#[test]
fn named_run_loop_sequence() {
    let d = Dispatcher::new();
    let names: Vec<String> = [runloop::PRE_UPDATE, runloop::UPDATE, runloop::POST_UPDATE]
        .iter()
        .map(|e| runloop::event_name("animation", e))
        .chain(["preUpdate".to_owned(), "test:queued".to_owned()])
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let rec = Recorder::new(&d, &refs);
    let mut anim = RunLoop::new(&d, "animation").unwrap();
    assert_eq!(anim.message_queue().name(), "runloop:animation:messageBus");
    d.queue_event("test:queued", Payload::new(), Some("animation"))
        .unwrap();
    anim.tick().unwrap();
    let got = rec.take();
    insta::assert_yaml_snapshot!(got);
}

#[test]
fn app_lifecycle_sequence_with_cancelled_then_uncancellable_quit() {
    let d = Dispatcher::new();
    let rec = Recorder::new(&d, APP_EVENTS);
    let mut a = App::new(&d).unwrap();
    let h = a.handle();
    let cancels = Arc::new(Mutex::new(Vec::new()));
    let c = cancels.clone();
    let _veto = d.observe("veto", -1, app::POST_QUIT, None, move |_| {
        c.lock().unwrap().push(h.try_cancel_shutdown());
    });
    a.startup();
    a.startup(); // once only
    assert_eq!(a.update(1.0 / 60.0).unwrap(), AppStatus::Running);
    assert_eq!(a.update(1.0 / 60.0).unwrap(), AppStatus::Running);
    a.handle().post_quit(false);
    assert_eq!(a.update(1.0 / 60.0).unwrap(), AppStatus::Running);
    a.handle().post_quit(true);
    assert_eq!(a.update(1.0 / 60.0).unwrap(), AppStatus::ShuttingDown);
    assert_eq!(a.update(1.0 / 60.0).unwrap(), AppStatus::ShuttingDown);
    assert!(a.handle().is_shutting_down());
    assert_eq!(*cancels.lock().unwrap(), [true, false]);
    insta::assert_yaml_snapshot!(rec.take());
}

#[test]
fn ready_is_delayed_while_delay_app_ready_is_called_each_iteration() {
    let d = Dispatcher::new();
    let rec = Recorder::new(&d, &[app::READY]);
    let mut a = App::new(&d).unwrap();
    let h = a.handle();
    let delaying = Arc::new(Mutex::new(3));
    let dl = delaying.clone();
    let _delayer = d.observe("delayer", 0, runloop::UPDATE, None, move |_| {
        let mut left = dl.lock().unwrap();
        if *left > 0 {
            *left -= 1;
            h.delay_app_ready();
        }
    });
    a.startup();
    for _ in 0..4 {
        a.update(0.01).unwrap();
        assert!(!a.handle().is_ready());
    }
    a.update(0.01).unwrap();
    assert!(a.handle().is_ready());
    a.update(0.01).unwrap();
    assert_eq!(rec.take(), ["omni.kit.app:ready {}"]);
}

#[test]
fn ready_without_delay_comes_on_the_second_update() {
    let d = Dispatcher::new();
    let mut a = App::new(&d).unwrap();
    a.startup();
    a.update(0.01).unwrap();
    assert!(!a.handle().is_ready());
    a.update(0.01).unwrap();
    assert!(a.handle().is_ready());
}

#[test]
fn uncancellable_quit_cannot_be_cancelled_and_try_cancel_outside_post_quit_fails() {
    let d = Dispatcher::new();
    let mut a = App::new(&d).unwrap();
    let h = a.handle();
    assert!(!h.try_cancel_shutdown());
    let h2 = h.clone();
    let _veto = d.observe("veto", 0, app::POST_QUIT, None, move |e| {
        assert_eq!(e[app::UNCANCELLABLE].as_bool(), Some(true));
        assert!(!h2.try_cancel_shutdown());
    });
    h.post_quit(true);
    assert_eq!(a.update(0.01).unwrap(), AppStatus::ShuttingDown);
}
