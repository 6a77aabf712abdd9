// Package report turns one run into a self-contained HTML page that a
// person can look at instead of reading a trace: the verdict on top, a
// space-time diagram of every node's events and messages below it, opening
// at the failure, and the linearizability view of each checked history,
// linked both ways with the diagram.
//
// Capture runs a seed with its full trace and its histories kept; Write
// renders what it captured. The page needs no network: its script, styles
// and data are inlined, so it opens from file:// and can be mailed or kept
// as a CI artifact. It draws on a canvas only what is in view, so a run of
// 100,000 events stays fluid.
package report
