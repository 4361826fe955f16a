//go:build !unix

package ingest

import (
	"errors"
	"os"
)

// mapFile is not offered here; files are read instead.
func mapFile(*os.File, int64) ([]byte, func() error, error) {
	return nil, nil, errors.ErrUnsupported
}
