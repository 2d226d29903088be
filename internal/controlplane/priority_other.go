//go:build !linux

package controlplane

func setThreadNice(int) error { return errNoPool }
func setNice(int, int) error  { return errNoPool }
func EndStartPriority() error { return nil }
