// Package reference is a naive, in-memory implementation of DESIGN.md's
// analytics, used only by the tests of package analytics: it loads a whole
// small database (Load) and computes every figure with plain loops, straight
// from the definitions' wording, so that the set-based SQL of package
// analytics can be checked against it. It also generates random datasets
// (Generate) and writes them with plain INSERTs (Insert) for property tests
// and benchmarks.
package reference
