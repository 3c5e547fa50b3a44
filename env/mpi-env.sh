# Source this before mpirun on a single machine as root (CI, the build machines): allows root,
# oversubscribes the cores, keeps Open MPI's TCP on loopback and needs no ssh.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
export OMPI_MCA_plm_rsh_agent=/bin/false
