// Package page owns Relay cursor pagination, written once: opaque cursors,
// the page cap, and turning one window of rows into a connection's edges and
// pageInfo whatever the node type.
package page
