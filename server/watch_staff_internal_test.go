package server

import (
	"testing"

	"crimemap/neighbourhood"
)

// TestTeamExamplesParse keeps the team form's examples ones it accepts.
func TestTeamExamplesParse(t *testing.T) {
	for _, f := range neighbourhood.EditableFields {
		if _, err := neighbourhood.ParseEdit(f, teamExamples[f]); err != nil {
			t.Errorf("example of %s: %v", f, err)
		}
	}
}
