#![allow(non_upper_case_globals)]
#![allow(non_camel_case_types)]
#![allow(non_snake_case)]
#![allow(unnecessary_transmutes)] // the pre-generated bindings; newer rustc warns

include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
