package storetest

import (
	"bytes"
	"reflect"
	"time"
)

var timeType = reflect.TypeFor[time.Time]()

// compare walks two values, comparing times with Equal (so a location
// read back from a store does not matter) and nil and empty slices alike.
func compare(a, b any) error {
	if deepEqual(reflect.ValueOf(a), reflect.ValueOf(b)) {
		return nil
	}
	return errUnequal
}

func deepEqual(a, b reflect.Value) bool {
	if a.Type() != b.Type() {
		return false
	}
	if a.Type() == timeType {
		return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
	}
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			if !deepEqual(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice, reflect.Array:
		if a.Kind() == reflect.Slice && a.Type().Elem().Kind() == reflect.Uint8 {
			return bytes.Equal(a.Bytes(), b.Bytes())
		}
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !deepEqual(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}
