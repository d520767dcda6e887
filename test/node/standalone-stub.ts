// In the Node checks the /docs script is not served; the Worker bundles the real one as text.
export default "/* Scalar standalone bundle (served by the Worker) */";
