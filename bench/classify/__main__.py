from bench.classify.run import main

raise SystemExit(main())
