//! wamon: a terminal live monitor for WhatsApp webhooks.
//!
//! The crate is layered by module. The **core** is pure and synchronous and imports no tokio,
//! axum, ratatui or crossterm: [`model`], [`envelope`], [`body_encoding`], [`provider`], [`store`], [`filter`],
//! [`display`], [`json_tree`] and [`capture`]. The **edges** are async or terminal-bound and build on the core: the HTTP
//! receiver, the capture writer, headless NDJSON output, demo traffic and the screen.

pub mod backlog;
pub mod body_encoding;
pub mod capture;
pub mod capture_path;
pub mod capture_writer;
pub mod cli;
pub mod demo;
pub mod demo_script;
pub mod display;
pub mod envelope;
pub mod export;
pub mod feed;
pub mod filter;
pub mod forward;
pub mod headless;
pub mod ingest;
pub mod json_tree;
pub mod loader;
pub mod logging;
pub mod model;
pub mod monitor;
pub mod ndjson;
pub mod outbound;
pub mod private_files;
pub mod provider;
pub mod receiver;
pub mod replay;
pub mod run;
pub mod run_info;
pub mod select;
pub mod store;
pub mod ui;
