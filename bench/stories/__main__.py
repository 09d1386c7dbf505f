from bench.stories.run import main

main()
