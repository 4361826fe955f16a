package synth_test

import (
	"bufio"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"crimemap/synth"
)

func ExampleGenerate() {
	dir, err := os.MkdirTemp("", "synth-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	cfg := synth.DefaultConfig()
	cfg.N, cfg.Months, cfg.Start = 10000, 2, "2024-05"
	if err := synth.Generate(cfg, dir); err != nil {
		log.Fatal(err)
	}
	months, _ := filepath.Glob(filepath.Join(dir, "20??-??"))
	for _, m := range months {
		fmt.Println(filepath.Base(m))
	}
	f, err := os.Open(filepath.Join(dir, synth.StreetFile("2024-05", "west-yorkshire")))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	fmt.Println(sc.Text())
	// Output:
	// 2024-05
	// 2024-06
	// Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context
}
