//! Pipelines from descriptions, properties, states, bus messages and clocks.

use pitchcam::gst::{
    self, Caps, Clock, Element, EnumValue, Error, Event, Message, MessageType, MessageView,
    Pipeline, State, StateChangeSuccess,
};

fn init() {
    gst::init().expect("GStreamer must initialise (install libgstreamer1.0-0)");
}

const SEC: u64 = 1_000_000_000;

#[test]
fn parse_error_is_reported_verbatim() {
    init();
    let e = Pipeline::parse("videotestsrc ! nosuchelement_xyz ! fakesink").unwrap_err();
    match &e {
        Error::Parse(m) => assert_eq!(m, "no element \"nosuchelement_xyz\""),
        other => panic!("expected a parse error, got {other:?}"),
    }
    assert_eq!(e.to_string(), "no element \"nosuchelement_xyz\"");
    let e = Pipeline::parse("videotestsrc ! ! fakesink").unwrap_err();
    assert!(matches!(e, Error::Parse(ref m) if m.contains("syntax error")), "{e:?}");
    // Unknown property on a launch line: GStreamer reports it as a parse error too.
    let e = Pipeline::parse("videotestsrc nosuchprop=1 ! fakesink").unwrap_err();
    assert!(matches!(e, Error::Parse(ref m) if m.contains("nosuchprop")), "{e:?}");
}

#[test]
fn single_element_is_placed_in_a_pipeline() {
    init();
    let p = Pipeline::parse("fakesink name=only").unwrap();
    assert_eq!(p.by_name("only").unwrap().factory_name().as_deref(), Some("fakesink"));
    assert!(matches!(p.by_name("missing"), Err(Error::NoSuchElement { .. })));
}

#[test]
fn by_name_returns_an_owned_reference() {
    init();
    let p = Pipeline::parse("videotestsrc name=src ! fakesink name=sink").unwrap();
    let src = p.by_name("src").unwrap();
    let before = src.refcount();
    let again = p.by_name("src").unwrap();
    assert_eq!(src.refcount(), before + 1);
    drop(again);
    assert_eq!(src.refcount(), before);
    assert_eq!(src.name(), "src");
    assert_eq!(src.type_name(), "GstVideoTestSrc");
    assert!(src.path_string().ends_with("/GstVideoTestSrc:src"));
}

#[test]
fn typed_properties_round_trip() {
    init();
    let src = Element::make("videotestsrc", Some("t")).unwrap();
    src.set_property("num-buffers", 5).unwrap();
    assert_eq!(src.property::<i32>("num-buffers").unwrap(), 5);
    src.set_property("is-live", true).unwrap();
    assert!(src.property::<bool>("is-live").unwrap());
    src.set_property("pattern", EnumValue::Nick("ball")).unwrap();
    assert_eq!(src.property_enum("pattern").unwrap().1, "ball");
    src.set_property("pattern", EnumValue::Int(0)).unwrap();
    assert_eq!(src.property_enum("pattern").unwrap(), (0, "smpte".to_owned()));
    src.set_property("pattern", "snow").unwrap();
    assert_eq!(src.property_enum("pattern").unwrap().1, "snow");
    src.set_property("timestamp-offset", 7i64).unwrap();
    assert_eq!(src.property::<i64>("timestamp-offset").unwrap(), 7);
    let q = Element::make("queue", None).unwrap();
    q.set_property("max-size-time", 3 * SEC).unwrap();
    assert_eq!(q.property::<u64>("max-size-time").unwrap(), 3 * SEC);
    q.set_property("max-size-buffers", 10u32).unwrap();
    assert_eq!(q.property::<u32>("max-size-buffers").unwrap(), 10);
    q.set_property("leaky", "downstream").unwrap();
    assert_eq!(q.property_enum("leaky").unwrap().1, "downstream");
    let vol = Element::make("volume", None).unwrap();
    vol.set_property("volume", 0.5).unwrap();
    assert_eq!(vol.property::<f64>("volume").unwrap(), 0.5);
    src.set_property("name", "renamed").unwrap();
    assert_eq!(src.property::<Option<String>>("name").unwrap().as_deref(), Some("renamed"));
    let cf = Element::make("capsfilter", None).unwrap();
    let caps = Caps::parse("video/x-raw,format=NV12").unwrap();
    cf.set_property("caps", &caps).unwrap();
    assert_eq!(cf.property_caps("caps").unwrap().unwrap(), caps);
    cf.set_property_from_str("caps", "video/x-raw,format=I420").unwrap();
    assert!(cf.property_string("caps").unwrap().contains("I420"));
}

#[test]
fn unknown_property_is_an_error_not_an_abort() {
    init();
    let src = Element::make("videotestsrc", Some("vts")).unwrap();
    let e = src.set_property("no-such-prop", 1).unwrap_err();
    assert_eq!(e.to_string(), "GstVideoTestSrc \"vts\" has no property \"no-such-prop\"");
    assert!(src.property::<i32>("no-such-prop").is_err());
}

#[test]
fn wrong_type_range_and_access_are_errors() {
    init();
    let src = Element::make("videotestsrc", Some("vts")).unwrap();
    let e = src.set_property("is-live", 3).unwrap_err();
    assert!(
        matches!(e, Error::PropertyType { ref expected, .. } if expected == "gboolean"),
        "{e:?}"
    );
    let e = src.set_property("num-buffers", -5).unwrap_err();
    assert!(e.to_string().contains("out of range (valid -1..="), "{e}");
    let e = src.set_property("num-buffers", 1i64 << 40).unwrap_err();
    assert!(e.to_string().contains("does not fit gint"), "{e}");
    let e = src.set_property("pattern", EnumValue::Nick("plaid")).unwrap_err();
    assert!(e.to_string().contains("valid: smpte (0)"), "{e}");
    let e = src.set_property("pattern", EnumValue::Int(999)).unwrap_err();
    assert!(matches!(e, Error::PropertyValue { .. }), "{e:?}");
    let e = src.property::<bool>("num-buffers").unwrap_err();
    assert!(matches!(e, Error::PropertyType { .. }), "{e:?}");
    let q = Element::make("queue", None).unwrap();
    let e = q.set_property("current-level-buffers", 3u32).unwrap_err();
    assert!(matches!(e, Error::PropertyAccess { access: "writ", .. }), "{e:?}");
    assert!(e.to_string().contains("is not writable"), "{e}");
    let e = q.set_property("leaky", 2.5).unwrap_err();
    assert!(matches!(e, Error::PropertyType { .. }), "{e:?}");
    let e = q.set_property_from_str("max-size-time", "soon").unwrap_err();
    assert!(e.to_string().contains("cannot be read as a guint64"), "{e}");
}

#[test]
fn missing_factory_names_the_plugin_problem() {
    init();
    let e = Element::make("definitely_not_an_element", None).unwrap_err();
    assert!(e.to_string().contains("gst-inspect-1.0 definitely_not_an_element"), "{e}");
}

#[test]
fn add_refuses_an_element_with_a_parent() {
    init();
    let p = Pipeline::parse("fakesink name=s").unwrap();
    let s = p.by_name("s").unwrap();
    let other = Pipeline::new(None).unwrap();
    let e = other.add(&s).unwrap_err();
    assert!(e.to_string().contains("child of"), "{e}");
}

#[test]
fn runs_to_eos_and_reports_states() {
    init();
    let p =
        Pipeline::parse("videotestsrc num-buffers=5 ! video/x-raw,width=32,height=16 ! fakesink")
            .unwrap();
    let bus = p.bus();
    p.set_state(State::Playing).unwrap();
    let mut saw_playing = false;
    loop {
        let msg = bus
            .timed_pop_filtered(
                Some(10 * SEC),
                MessageType::EOS | MessageType::ERROR | MessageType::STATE_CHANGED,
            )
            .expect("pipeline must finish within 10 s");
        match msg.view() {
            MessageView::Eos => break,
            MessageView::Error(e) => panic!("unexpected error {e}"),
            MessageView::StateChanged { new: State::Playing, .. } if msg.is_from(&p) => {
                saw_playing = true
            }
            _ => {}
        }
    }
    assert!(saw_playing);
    let (r, cur, _) = p.state(Some(SEC));
    assert_eq!(r.unwrap(), StateChangeSuccess::Success);
    assert_eq!(cur, State::Playing);
    assert_eq!(p.set_state(State::Null).unwrap(), StateChangeSuccess::Success);
}

#[test]
fn element_errors_reach_the_bus_with_source_name() {
    init();
    let p =
        Pipeline::parse("filesrc name=src location=/nonexistent/pitchcam.mkv ! fakesink").unwrap();
    let bus = p.bus();
    let _ = p.set_state(State::Playing);
    let msg = bus
        .timed_pop_filtered(Some(10 * SEC), MessageType::ERROR | MessageType::EOS)
        .expect("an error within 10 s");
    let err = msg.parse_error().expect("an error message");
    assert_eq!(err.source.as_deref(), Some("src"));
    assert!(!err.message.is_empty());
    assert_eq!(err.message, "Resource not found.");
    assert!(err.debug.as_deref().unwrap().contains("/nonexistent/pitchcam.mkv"), "{err:?}");
    assert_eq!(err.domain, "gst-resource-error-quark");
    p.set_state(State::Null).unwrap();
}

#[test]
fn application_and_error_messages_can_be_posted() {
    init();
    let p = Pipeline::parse("fakesink name=s").unwrap();
    let s = p.by_name("s").unwrap();
    s.post_message(Message::new_application(Some(&s), "pitchcam-hello").unwrap()).unwrap();
    s.post_error("something broke", Some("details")).unwrap();
    let bus = p.bus();
    let m = bus.timed_pop_filtered(Some(SEC), MessageType::APPLICATION).unwrap();
    assert_eq!(m.view(), MessageView::Application { name: "pitchcam-hello".into() });
    let m = bus.timed_pop_filtered(Some(SEC), MessageType::ERROR).unwrap();
    let e = m.parse_error().unwrap();
    assert_eq!(e.message, "something broke");
    assert_eq!(e.debug.as_deref(), Some("details"));
    assert_eq!(e.source.as_deref(), Some("s"));
    assert_eq!(e.domain, "gst-library-error-quark");
    assert!(m.parse_warning().is_none());
}

#[test]
fn eos_event_ends_a_live_pipeline() {
    init();
    let p =
        Pipeline::parse("videotestsrc is-live=true ! video/x-raw,width=32,height=16 ! fakesink")
            .unwrap();
    p.set_state(State::Playing).unwrap();
    let (r, cur, _) = p.state(Some(5 * SEC));
    assert!(r.is_ok());
    assert_eq!(cur, State::Playing);
    p.send_event(Event::eos().unwrap()).unwrap();
    let m = p.bus().timed_pop_filtered(Some(10 * SEC), MessageType::EOS | MessageType::ERROR);
    assert!(matches!(m.map(|m| m.view()), Some(MessageView::Eos)));
    p.set_state(State::Null).unwrap();
}

#[test]
fn shared_clock_and_base_time_give_running_time() {
    init();
    let clock = Clock::system().unwrap();
    let a = Pipeline::parse("videotestsrc is-live=true ! fakesink sync=true").unwrap();
    let b = Pipeline::parse("fakesrc ! fakesink").unwrap();
    for p in [&a, &b] {
        p.use_clock(Some(&clock));
        p.set_start_time(None);
    }
    let base = clock.time();
    a.set_base_time(base);
    b.set_base_time(base);
    a.set_state(State::Playing).unwrap();
    let _ = a.state(Some(5 * SEC));
    assert_eq!(a.base_time(), base, "start_time NONE keeps our base time");
    let t1 = a.running_time_now().expect("a clock in PLAYING");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let t2 = a.running_time_now().unwrap();
    assert!(t2 > t1, "running time advances");
    assert!(a.clock().is_some());
    a.set_state(State::Null).unwrap();
    assert!(b.running_time_now().is_none(), "no clock before PLAYING");
}

#[test]
fn dropping_a_playing_pipeline_stops_it() {
    init();
    let p = Pipeline::parse("videotestsrc name=src is-live=true ! fakesink").unwrap();
    p.set_state(State::Playing).unwrap();
    // Named explicitly: auto names ("videotestsrc0") depend on what other tests created.
    let src = p.by_name("src").unwrap();
    drop(p); // the owner: set to NULL, then released
    let (_, cur, _) = src.state(Some(SEC));
    assert_eq!(cur, State::Null);
}

#[test]
fn flush_events_round_trip_through_a_sink_pad() {
    init();
    let p = Pipeline::parse(
        "videotestsrc is-live=true ! video/x-raw,width=32,height=16 ! fakesink name=s",
    )
    .unwrap();
    p.set_state(State::Playing).unwrap();
    let _ = p.state(Some(5 * SEC));
    let start = Event::flush_start().unwrap();
    assert_eq!(start.type_(), gst::EventType::FLUSH_START);
    assert_eq!(start.type_().name(), "flush-start");
    let pad = p.by_name("s").unwrap().static_pad("sink").unwrap();
    pad.send_event(start).unwrap();
    let stop = Event::flush_stop(true).unwrap();
    assert_eq!(stop.type_(), gst::EventType::FLUSH_STOP);
    pad.send_event(stop).unwrap();
    // Still streaming afterwards: EOS arrives when asked for.
    p.send_event(Event::eos().unwrap()).unwrap();
    let m = p.bus().timed_pop_filtered(Some(10 * SEC), MessageType::EOS | MessageType::ERROR);
    assert!(matches!(m.map(|m| m.view()), Some(MessageView::Eos)));
    p.set_state(State::Null).unwrap();
}
