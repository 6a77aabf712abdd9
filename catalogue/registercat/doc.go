// Package registercat is the register/... catalogue: the ABD atomic register (systems/register)
// under every fault the engine can inject. Each run checks, on every event,
// that no replica's tag goes backwards within an incarnation and, at the
// end, that the clients' combined history is atomic (register.CheckHistory)
// and that every client finished its operations in time.
//
// Import it for its side effect (init registers the scenarios); the
// catalogue package links it with every other.
package registercat
