//go:build !linux

package controlplane

import (
	"errors"
	"os"
)

var errNoPool = errors.New("warm control planes need Linux")

func socketPair() (ours, theirs *os.File, err error) { return nil, nil, errNoPool }
