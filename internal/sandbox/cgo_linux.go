package sandbox

// The C half (sandbox_linux.c and the files beside it) runs from a
// constructor before the Go runtime starts; importing "C" links it in.

// #cgo CFLAGS: -O2 -Wall
import "C"
