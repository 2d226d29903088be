// Package rules holds the tests of the code base's own rules that the
// compiler does not check: which packages may import what, and that every
// package says what it is.
package rules
