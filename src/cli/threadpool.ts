// Imported first by the CLI, before anything touches the libuv thread pool (created on first use).
// The pool runs every async signature, file write and fsync; the default of 4 threads lets a burst
// of attachment fsyncs hold back receipt signing. An explicit UV_THREADPOOL_SIZE wins.
process.env.UV_THREADPOOL_SIZE ??= '8';
export {};
