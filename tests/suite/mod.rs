mod ai;
mod oneshot;
mod session;
mod tools;
