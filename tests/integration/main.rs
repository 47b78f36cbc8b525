//! One integration-test crate (shared compiled dependencies). Store tests run on SQLite and on
//! PostgreSQL through `on_both_backends!`.

mod support;

mod access;
mod accounts;
mod assurance;
mod assurance_analysis;
mod assurance_dashboard;
mod assurance_home;
mod assurance_moderation;
mod assurance_shared;
mod audit_trail;
mod backup;
mod browser;
mod case_audits;
mod cli;
mod concurrency;
mod dataset;
mod disclosure;
mod errors;
mod forms;
mod guards;
mod home;
mod kernel;
mod learning;
mod onboarded;
mod partnership;
mod qa_plan;
mod report_acceptance;
mod report_dataset;
mod report_learning;
mod report_partnership;
mod report_tracker;
mod reports;
mod risks;
mod tracker;
mod training;
mod uploads;
