// Package basics is a fixture of simlab's guest backend: small tests, each
// showing one thing the backend must do with an unmodified Go test — jump
// over sleeps (with signal.Notify's goroutine waiting), charge work to the
// clock, read and write files, and end in each of the ways a test can end
// (a failure, a panic, a timeout, a loop that never waits) at some seeds.
package basics
